// The offer an arm without one stands in for: its own withdrawn offer, else the experiment's first
// arm with an offer (a control), so the widget exposes it at that offer's moment.
import { describe, expect, it } from 'vitest';
import { buildPolicy } from '../../../server/decision/policy';
import { standInOffer } from '../../../server/experiments/stand-in';

const policy = buildPolicy({
  experiments: [
    {
      id: 'three-arms',
      coverage: 1,
      status: 'running',
      variants: [
        { id: 'control', weight: 1, offer: null },
        { id: 'urgency', weight: 1, offer: 'popular-plan-urgency' },
        { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
      ],
    },
    { id: 'all-control', coverage: 1, status: 'running', variants: [{ id: 'a', weight: 1, offer: null }, { id: 'b', weight: 1, offer: null }] },
  ],
  rules: [
    { id: 'r1', when: {}, then: { experiment: 'three-arms' } },
    { id: 'r2', when: {}, then: { experiment: 'all-control' } },
  ],
});

describe('standInOffer', () => {
  it('a control stands in for the first arm with an offer', () => {
    expect(standInOffer(policy, 'three-arms', 'control')?.id).toBe('popular-plan-urgency');
  });

  it('an arm whose offer was withdrawn stands in for its own offer', () => {
    expect(standInOffer(policy, 'three-arms', 'coupon')?.id).toBe('welcome-coupon');
  });

  it('none when no arm has an offer, or the experiment is unknown (reloaded away)', () => {
    expect(standInOffer(policy, 'all-control', 'a')).toBeNull();
    expect(standInOffer(policy, 'gone', 'control')).toBeNull();
  });
});
