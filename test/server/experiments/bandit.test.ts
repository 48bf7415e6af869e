// A configured bandit's allocation from its results: Thompson weights with a 1 % floor and each
// arm's chance to be best from one seeded Monte Carlo run; the same counts in the same 15-minute
// slot give the same weights (every instance agrees); arms switched off get nothing.
import { describe, expect, it } from 'vitest';
import { banditAllocation, banditArms, initialAllocation, isBandit, reallocationSlot } from '../../../server/experiments/bandit';
import type { Experiment } from '../../../server/experiments/types';
import type { ArmMetrics } from '../../../server/store/store';

const T0 = 1_700_000_000_000;
const SLOT = 15 * 60_000;

function bandit(extra: Partial<Experiment> = {}): Experiment {
  return {
    id: 'three',
    coverage: 1,
    status: 'running',
    allocation: 'thompson',
    allocationMetric: 'conversion',
    variants: [
      { id: 'a', weight: 1, offer: null },
      { id: 'b', weight: 1, offer: 'welcome-coupon' },
      { id: 'c', weight: 1, offer: 'starter-guide' },
    ],
    ...extra,
  };
}

const arm = (exposures: number, conversions: number, eur?: { buyers: number; revenue: number; revenueSquares: number }): ArmMetrics => ({
  exposures,
  conversions,
  orders: eur?.buyers ?? 0,
  revenue: eur === undefined ? {} : { EUR: { orders: eur.buyers, ...eur } },
});
const metrics = (entries: Record<string, ArmMetrics>): Map<string, ArmMetrics> => new Map(Object.entries(entries));

describe('banditAllocation', () => {
  it('sends most new visitors to the clearly best arm, keeps 1 % for each other, and says how likely each is the best', () => {
    const a = banditAllocation(bandit(), metrics({ a: arm(4000, 160), b: arm(4000, 200), c: arm(4000, 300) }), T0);
    expect(a.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
    expect(a.weights[2]).toBeGreaterThan(0.97);
    expect(a.weights[0]).toBeCloseTo(0.01, 12);
    expect(a.weights[1]).toBeCloseTo(0.01, 12);
    expect(a.chanceToBeBest[2]).toBeGreaterThan(0.99);
    expect(a.chanceToBeBest[0]).toBeLessThan(0.001);
    expect(a.at).toBe(T0);
  });

  it('gives the same weights for the same counts within a slot, and fresh draws in the next one', () => {
    const m = metrics({ a: arm(300, 15), b: arm(300, 18), c: arm(300, 16) });
    const slotStart = reallocationSlot(T0);
    expect(banditAllocation(bandit(), m, slotStart + 1).weights).toEqual(banditAllocation(bandit(), m, slotStart + SLOT - 1).weights);
    expect(banditAllocation(bandit(), m, slotStart + SLOT).weights).not.toEqual(banditAllocation(bandit(), m, slotStart).weights);
  });

  it('leaves an arm switched off (weight 0) at 0 and shares among the others', () => {
    const e = bandit({ variants: [{ id: 'a', weight: 1, offer: null }, { id: 'b', weight: 0, offer: 'welcome-coupon' }, { id: 'c', weight: 1, offer: 'starter-guide' }] });
    const a = banditAllocation(e, metrics({ a: arm(100, 5), b: arm(100, 50), c: arm(100, 5) }), T0);
    expect(a.weights[1]).toBe(0);
    expect(a.chanceToBeBest[1]).toBe(0);
    expect((a.weights[0] ?? 0) + (a.weights[2] ?? 0)).toBeCloseTo(1, 12);
  });

  it('on revenue, prefers the arm whose buyers spend more even when it converts a little less', () => {
    const m = metrics({
      a: arm(2000, 100, { buyers: 100, revenue: 100 * 20, revenueSquares: 100 * 400 }),
      b: arm(2000, 90, { buyers: 90, revenue: 90 * 60, revenueSquares: 90 * 3600 }),
      c: arm(2000, 100, { buyers: 100, revenue: 100 * 20, revenueSquares: 100 * 400 }),
    });
    expect(banditAllocation(bandit({ allocationMetric: 'revenue' }), m, T0).weights[1]).toBeGreaterThan(0.95);
    expect(banditAllocation(bandit({ allocationMetric: 'conversion' }), m, T0).weights[1]).toBeLessThan(0.2);
  });

  it('before any result: the configured weights with the floor, equal chances', () => {
    const e = bandit({ variants: [{ id: 'a', weight: 1000, offer: null }, { id: 'b', weight: 1, offer: 'x' }, { id: 'c', weight: 0, offer: 'y' }] });
    const a = initialAllocation(e, T0);
    expect(a.weights[1]).toBeCloseTo(0.01, 12);
    expect(a.weights[2]).toBe(0);
    expect(a.chanceToBeBest).toEqual([0.5, 0.5, 0]);
  });
});

describe('banditArms', () => {
  it('reads conversions on conversion; buyers and revenue in the result currency on revenue', () => {
    const m = metrics({ a: arm(10, 4, { buyers: 2, revenue: 30, revenueSquares: 500 }) });
    expect(banditArms(bandit(), m)[0]).toEqual({ exposures: 10, conversions: 4 });
    expect(banditArms(bandit({ allocationMetric: 'revenue' }), m)[0]).toEqual({ exposures: 10, conversions: 2, revenue: 30, revenueSquares: 500 });
    expect(banditArms(bandit(), m)[1]).toEqual({ exposures: 0, conversions: 0 });
  });

  it('isBandit: only "allocation": "thompson"', () => {
    expect(isBandit(bandit())).toBe(true);
    const { allocation: _, ...fixed } = bandit();
    expect(isBandit(fixed)).toBe(false);
  });
});
