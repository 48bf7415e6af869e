import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignAdaptive } from '../../../server/experiments/adaptive-assign';
import { assign, bucketOf } from '../../../server/experiments/assign';
import { seededRandom } from '../../../server/experiments/rng';
import { visitorId } from '../../../server/experiments/simulate/traffic';
import { sampleRatioMismatch } from '../../../server/experiments/stats';
import type { Experiment } from '../../../server/experiments/types';

function experiment(arms: number, coverage = 1, status: Experiment['status'] = 'running'): Experiment {
  return {
    id: 'bandit-test',
    coverage,
    status,
    variants: Array.from({ length: arms }, (_, i) => ({ id: `v${i}`, weight: 1, offer: i === 0 ? null : `offer-${i}` })),
  };
}

/** Seeded visitor ids (the shape of DataFast's), reproducible so the χ² checks are deterministic. */
function ids(n: number, seed: string): string[] {
  const rng = seededRandom(seed);
  return Array.from({ length: n }, () => visitorId(rng));
}

const weightsArb = (k: number): fc.Arbitrary<number[]> => fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: k, maxLength: k });

describe('assignAdaptive', () => {
  it('an enrolled visitor keeps their arm whatever the weights become', () => {
    const exp = experiment(3);
    fc.assert(
      fc.property(fc.constantFrom(...ids(50, 'enrolled')), fc.constantFrom('v0', 'v1', 'v2'), weightsArb(3), (id, enrolledIn, weights) => {
        expect(assignAdaptive(exp, id, weights, enrolledIn)?.variantId).toBe(enrolledIn);
      }),
    );
  });

  it('a visitor enrolled in an arm that no longer exists is not given another one', () => {
    expect(assignAdaptive(experiment(2), 'x', [1, 1], 'v7')).toBeNull();
  });

  it('a stopped experiment enrols nobody, enrolled or not', () => {
    expect(assignAdaptive(experiment(2, 1, 'stopped'), 'x', [1, 1], null)).toBeNull();
    expect(assignAdaptive(experiment(2, 1, 'stopped'), 'x', [1, 1], 'v0')).toBeNull();
  });

  it('places new visitors in proportion to the current weights', () => {
    const exp = experiment(3);
    const weights = [0.2, 0.3, 0.5];
    const counts = [0, 0, 0];
    for (const id of ids(20_000, 'split')) {
      const a = assignAdaptive(exp, id, weights, null);
      const i = exp.variants.findIndex((v) => v.id === a?.variantId);
      counts[i] = (counts[i] ?? 0) + 1;
    }
    expect(sampleRatioMismatch(counts, weights).mismatch).toBe(false);
    expect(counts[2] ?? 0).toBeGreaterThan(9_500);
  });

  it('gives an arm of weight 0 no new visitors', () => {
    const exp = experiment(3);
    for (const id of ids(2_000, 'zero')) expect(assignAdaptive(exp, id, [1, 0, 1], null)?.variantId).not.toBe('v1');
  });

  it('holds out the bucket range [coverage, 1) whatever the weights, so the holdout is sticky', () => {
    const exp = experiment(2, 0.5);
    fc.assert(
      fc.property(fc.constantFrom(...ids(200, 'holdout')), weightsArb(2), (id, weights) => {
        const held = bucketOf(exp, id) >= 0.5;
        expect(assignAdaptive(exp, id, weights, null) === null).toBe(held);
      }),
    );
  });

  it('with coverage 1 and the configured weights it places new visitors exactly as assign() does', () => {
    const exp = { ...experiment(3), variants: experiment(3).variants.map((v, i) => ({ ...v, weight: [0.2, 0.3, 0.5][i] ?? 0 })) };
    for (const id of ids(2_000, 'same')) {
      expect(assignAdaptive(exp, id, [0.2, 0.3, 0.5], null)).toEqual(assign(exp, id));
    }
  });

  it('refuses weights that do not match the variants', () => {
    expect(() => assignAdaptive(experiment(3), 'x', [1, 1], null)).toThrow(RangeError);
  });

  it('without any positive weight places nobody', () => {
    expect(assignAdaptive(experiment(2), 'x', [0, 0], null)).toBeNull();
  });
});
