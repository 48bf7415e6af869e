// The global holdout: a sticky share of visitors by a hash of their id, independent of every
// experiment's buckets, read as an experiment of two arms (holdout as control, offers).
import { describe, expect, it } from 'vitest';
import { assign } from '../../../server/experiments/assign';
import { HOLDOUT_EXPERIMENT, holdoutArm, holdoutExperiment, inHoldout } from '../../../server/experiments/holdout';
import type { Experiment } from '../../../server/experiments/types';
import { visitorIds } from '../../support/visitor-ids';

const visitors = visitorIds(40_000, 'holdout');
const AB: Experiment = { id: 'ab', coverage: 1, status: 'running', variants: [{ id: 'a', weight: 1, offer: null }, { id: 'b', weight: 1, offer: 'welcome-coupon' }] };

describe('inHoldout', () => {
  it('holds out the configured share of visitors (±0.5 point over 40,000), the same ones every time', () => {
    for (const share of [0.05, 0.2]) {
      const held = visitors.filter((v) => inHoldout(v, share));
      expect(Math.abs(held.length / visitors.length - share)).toBeLessThan(0.005);
      expect(visitors.filter((v) => inHoldout(v, share))).toEqual(held);
    }
    expect(visitors.some((v) => inHoldout(v, 0))).toBe(false);
  });

  it('raising the share only adds visitors; lowering it only releases some', () => {
    const small = new Set(visitors.filter((v) => inHoldout(v, 0.05)));
    const large = new Set(visitors.filter((v) => inHoldout(v, 0.1)));
    expect([...small].every((v) => large.has(v))).toBe(true);
    expect(large.size).toBeGreaterThan(small.size);
  });

  it('is independent of experiment buckets: both arms lose the same share, and the rest still split 50/50', () => {
    const held = visitors.filter((v) => inHoldout(v, 0.1));
    const rest = visitors.filter((v) => !inHoldout(v, 0.1));
    const shareA = (list: string[]) => list.filter((v) => assign(AB, v)?.variantId === 'a').length / list.length;
    // ±3 standard errors of a proportion at these sizes.
    expect(Math.abs(shareA(held) - 0.5)).toBeLessThan(3 * Math.sqrt(0.25 / held.length));
    expect(Math.abs(shareA(rest) - 0.5)).toBeLessThan(3 * Math.sqrt(0.25 / rest.length));
  });
});

describe('holdoutArm and holdoutExperiment', () => {
  it('names the visitor’s group, or none without a holdout', () => {
    const v = visitors.find((x) => inHoldout(x, 0.05)) as string;
    const w = visitors.find((x) => !inHoldout(x, 0.05)) as string;
    expect(holdoutArm(v, 0.05)).toBe('holdout');
    expect(holdoutArm(w, 0.05)).toBe('offers');
    expect(holdoutArm(v, 0)).toBeNull();
  });

  it('reads as an experiment with the holdout as control, weighted by the share, under an id no configured experiment can take', () => {
    expect(holdoutExperiment(0.05)).toMatchObject({
      id: HOLDOUT_EXPERIMENT,
      status: 'running',
      variants: [
        { id: 'holdout', weight: 0.05, offer: null },
        { id: 'offers', weight: 0.95, offer: null },
      ],
    });
    expect(HOLDOUT_EXPERIMENT).not.toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);
  });
});
