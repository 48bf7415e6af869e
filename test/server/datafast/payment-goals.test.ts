// A visitor's payments as the reconciliation reads them from DataFast's visitor record.
import { describe, expect, it } from 'vitest';
import { isPaymentGoal, MAX_PAYMENT_GOALS, parsePaymentGoals } from '../../../server/datafast/payment-goals';

const body = (activity: unknown) => ({ status: 'success', data: { visitorId: 'v', activity } });

describe('isPaymentGoal', () => {
  it('is payment and subscription_* except an ending or a cancellation', () => {
    for (const name of ['payment', 'subscription_started', 'subscription_renewed', 'Subscription_Upgraded']) expect(isPaymentGoal(name), name).toBe(true);
    for (const name of ['subscription_ended', 'subscription_cancelled', 'subscription_canceled', 'free_trial', 'trial_started', 'newsletter_signup', 'payments']) expect(isPaymentGoal(name), name).toBe(false);
  });
});

describe('parsePaymentGoals', () => {
  it('reads both doc generations’ lists, keeps repeats with their times, oldest first, and leaves out goals without a time', () => {
    const goals = parsePaymentGoals(
      body({
        completedGoals: [
          { name: 'payment', timestamp: '2026-02-05T10:00:00.000Z', origin: 'payment_provider' },
          { name: 'newsletter_signup', timestamp: '2026-02-01T10:00:00.000Z' },
          { name: 'payment', timestamp: '2026-01-05T10:00:00.000Z', origin: 'payment_provider' },
          { name: 'subscription_ended', timestamp: '2026-02-06T10:00:00.000Z' },
          { name: 'payment', timestamp: null },
          { name: 'payment', timestamp: 'not a date' },
        ],
        completedCustomGoals: [{ name: 'subscription_renewed', timestamp: '2026-02-04T10:00:00.000Z', isServer: true }],
      }),
    );
    expect(goals).toEqual([
      { name: 'payment', at: Date.parse('2026-01-05T10:00:00.000Z') },
      { name: 'subscription_renewed', at: Date.parse('2026-02-04T10:00:00.000Z') },
      { name: 'payment', at: Date.parse('2026-02-05T10:00:00.000Z') },
    ]);
  });

  it('is empty without activity or goals, and null for a body that is not a visitor response', () => {
    expect(parsePaymentGoals(body(null))).toEqual([]);
    expect(parsePaymentGoals(body({ completedGoals: 'junk' }))).toEqual([]);
    expect(parsePaymentGoals({ status: 'error' })).toBeNull();
    expect(parsePaymentGoals('text')).toBeNull();
    expect(parsePaymentGoals(body(7))).toBeNull();
  });

  it(`keeps at most ${MAX_PAYMENT_GOALS} payments whatever the record holds`, () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ name: 'payment', timestamp: new Date(1_700_000_000_000 + i * 1000).toISOString() }));
    expect(parsePaymentGoals(body({ completedGoals: many }))).toHaveLength(MAX_PAYMENT_GOALS);
  });
});
