// Deterministic, stateless experiment assignment using GrowthBook's published bucketing
// (growthbook/growthbook, packages/sdk-js/src/util.ts: `getBucketRanges`, `chooseVariation`,
// `inRange`, and the v2 `hash`). Nothing is stored: the visitor id and the experiment's config
// alone decide the variant, so assignment is sticky across sessions, restarts and instances.
//
// How it works: n = hash(seed, visitorId, 2) is a number in [0, 1) with four decimals. Variant i
// owns the range [cum_i, cum_i + coverage × w_i), where w_i is its normalised weight and cum_i the
// sum of the weights before it. A visitor whose n falls in no range (the gap after each range when
// coverage < 1) is not enrolled: `assign` returns null and they see the default, with no exposure.
//
// What changing the config does to visitors already assigned:
// - Coverage raised: nobody moves. Every range starts at a fixed point (cum_i) and only grows at its
//   end, so an enrolled visitor stays in the same variant; some holdout visitors become enrolled.
//   Coverage lowered: some enrolled visitors drop back to the holdout; still nobody switches variant.
// - Weights changed: the boundaries cum_i move, and visitors whose n lies between an old and a new
//   boundary switch variant (50/50 → 40/60 moves the 10 % with n in [0.4, 0.5) from the first
//   variant to the second); everyone else stays. Adding, removing, re-ordering or zero-weighting a
//   variant moves boundaries the same way (and re-normalises the others), so prefer doing it in a
//   new experiment. Results mixing visitors from before and after such a change are biased.
// - Seed changed (or the id changed while no explicit seed is set): everyone reshuffles — the new
//   hash is independent of the old one, as if it were a new experiment.
// Two experiments with different seeds assign independently of each other.

import { hash, HASH_VERSION } from './hash.js';
import type { Assignment, Experiment } from './types.js';

/** A half-open bucket range [start, end). */
export type BucketRange = [number, number];

function equalWeights(n: number): number[] {
  if (n <= 0) return [];
  return new Array<number>(n).fill(1 / n);
}

/**
 * GrowthBook's `getBucketRanges(weights.length, coverage, weights)`, exactly:
 * coverage is clamped to [0, 1] (non-finite → 0 here, so a broken value enrols nobody); weights that
 * do not sum to 1 ± 0.01 are NOT rescaled by GrowthBook — it falls back to equal weights. Variant i
 * gets [cum_i, cum_i + coverage × w_i).
 * `assign` normalises relative weights before calling this, so the fallback only matters to callers
 * who pass raw weights directly.
 */
export function bucketRanges(weights: number[], coverage: number): BucketRange[] {
  let c = Number.isFinite(coverage) ? coverage : 0;
  if (c < 0) c = 0;
  else if (c > 1) c = 1;

  let w = weights;
  const total = w.reduce((sum, x) => sum + x, 0);
  if (!(total >= 0.99 && total <= 1.01)) w = equalWeights(w.length);

  let cumulative = 0;
  return w.map((x): BucketRange => {
    const start = cumulative;
    cumulative += x;
    return [start, start + c * x];
  });
}

/** GrowthBook's `inRange`: start inclusive, end exclusive. */
export function inRange(n: number, range: BucketRange): boolean {
  return n >= range[0] && n < range[1];
}

/** GrowthBook's `chooseVariation`: index of the first range containing n, or -1 when none does. */
export function chooseVariant(n: number, ranges: BucketRange[]): number {
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i];
    if (range && inRange(n, range)) return i;
  }
  return -1;
}

/**
 * Turns the config's relative weights into a distribution. Weights that already sum to 1 (to
 * floating-point error) are used verbatim, so ranges are bit-identical to GrowthBook's; otherwise
 * they are divided by their sum (types.ts: "weights are normalised to sum 1"). Negative or
 * non-finite weights count as 0. Null when no variant has a positive weight.
 */
export function normaliseWeights(weights: number[]): number[] | null {
  const clean = weights.map((w) => (Number.isFinite(w) && w > 0 ? w : 0));
  const total = clean.reduce((sum, w) => sum + w, 0);
  if (!(total > 0)) return null;
  if (Math.abs(total - 1) < 1e-9) return clean;
  return clean.map((w) => w / total);
}

/** The hash seed: the experiment's explicit seed, else its id. */
export function experimentSeed(experiment: Experiment): string {
  return experiment.seed ?? experiment.id;
}

/** The visitor's bucket in [0, 1) for this experiment (GrowthBook hash v2). */
export function bucketOf(experiment: Experiment, visitorId: string): number {
  return hash(experimentSeed(experiment), visitorId, HASH_VERSION);
}

/**
 * The visitor's variant, or null when the experiment is stopped, has no variant with a positive
 * weight, or the visitor falls outside the coverage (holdout). Pure.
 */
export function assign(experiment: Experiment, visitorId: string): Assignment | null {
  if (experiment.status !== 'running') return null;
  const weights = normaliseWeights(experiment.variants.map((v) => v.weight));
  if (!weights) return null;
  const ranges = bucketRanges(weights, experiment.coverage);
  const index = chooseVariant(bucketOf(experiment, visitorId), ranges);
  const variant = index < 0 ? undefined : experiment.variants[index];
  if (!variant) return null;
  return { experimentId: experiment.id, variantId: variant.id, offerId: variant.offer };
}
