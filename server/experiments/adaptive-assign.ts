// Assignment for a bandit experiment, whose weights change while it runs. Pure.
//
// assign.ts decides from the visitor's bucket and the configured weights alone, so changing weights
// would move visitors between arms. Here the weights change every reallocation, so stickiness comes
// from the record of who is enrolled: a visitor already enrolled keeps their arm whatever the
// weights; only a new visitor is placed, by the same GrowthBook bucket (assign.ts `bucketOf`) against
// the current weights. The holdout is the fixed bucket range [coverage, 1), independent of the
// weights, so a visitor held out stays held out across reallocations. Experiments with fixed weights
// keep using `assign` unchanged.
import { bucketOf, bucketRanges, chooseVariant, normaliseWeights } from './assign.js';
import type { Assignment, Experiment } from './types.js';

/**
 * The arm of a visitor in an experiment with changing weights (`weights[i]` for
 * `experiment.variants[i]`, relative, e.g. from `thompsonWeights`):
 * - the experiment is stopped → null;
 * - the visitor is enrolled (`enrolledVariantId`) → that variant, if it still exists, else null
 *   (never a second arm for one visitor);
 * - a new visitor with bucket n (assign.ts `bucketOf`) ≥ coverage → null (holdout);
 * - otherwise the variant whose cumulative-weight range holds n / coverage (uniform on [0, 1) for
 *   enrolled visitors), or null when no weight is positive.
 * Throws a RangeError when the weights do not match the variants one to one.
 */
export function assignAdaptive(
  experiment: Experiment,
  visitorId: string,
  weights: readonly number[],
  enrolledVariantId: string | null,
): Assignment | null {
  if (weights.length !== experiment.variants.length) {
    throw new RangeError(`assignAdaptive: ${weights.length} weights for ${experiment.variants.length} variants`);
  }
  if (experiment.status !== 'running') return null;
  const toAssignment = (index: number): Assignment | null => {
    const v = experiment.variants[index];
    return v ? { experimentId: experiment.id, variantId: v.id, offerId: v.offer } : null;
  };
  if (enrolledVariantId !== null) {
    return toAssignment(experiment.variants.findIndex((v) => v.id === enrolledVariantId));
  }
  const coverage = Number.isFinite(experiment.coverage) ? Math.min(1, Math.max(0, experiment.coverage)) : 0;
  const n = bucketOf(experiment, visitorId);
  if (!(n < coverage)) return null;
  const w = normaliseWeights([...weights]);
  if (!w) return null;
  const ranges = bucketRanges(w, 1);
  const index = chooseVariant(n / coverage, ranges);
  // n / coverage < 1 but the cumulative sums may end a rounding error short of 1: last positive arm.
  return toAssignment(index >= 0 ? index : w.findLastIndex((x) => x > 0));
}
