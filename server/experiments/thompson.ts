// Thompson-sampling allocation for a bandit experiment: each arm's share of new visitors is the
// posterior probability that it is the best arm, with a floor per arm, recomputed at most every
// 15 minutes. Pure: the counts, a seeded generator and the clock come in as arguments.
//
// Thompson sampling (Thompson, Biometrika 25, 1933; as a batched allocation rule see Scott,
// "A modern Bayesian look at the multi-armed bandit", Appl. Stoch. Models Bus. Ind. 26, 2010, §3):
// P(arm k is best) is estimated by drawing each arm's rate from its posterior many times and
// counting how often each arm's draw is the largest.
import { averageOrderValue } from './estimates.js';
import { betaDraw, normalDraw, type Random } from './rng.js';

/** What the bandit knows about one arm. */
export interface BanditArm {
  exposures: number;
  conversions: number;
  /** Σ revenue of the arm's converted visitors (needed for the `revenue` metric). */
  revenue?: number;
  /** Σ revenue² over those visitors (per visitor, zeros excluded; needed for `revenue`). */
  revenueSquares?: number;
}

export interface ThompsonOptions {
  /** Optimise conversion rate (default) or revenue per visitor. */
  metric?: 'conversion' | 'revenue';
  /** Monte Carlo draws per arm. Default 10,000 (Monte Carlo error of a weight ≤ 0.005 s.d.). */
  draws?: number;
  /** Minimum weight of every arm, so no arm starves and late changes can still show. Default 0.01. */
  floor?: number;
}

export const DEFAULT_THOMPSON_DRAWS = 10_000;
export const DEFAULT_ARM_FLOOR = 0.01;
/** Weights are recomputed at most this often. */
export const REALLOCATION_INTERVAL_MS = 15 * 60_000;

/**
 * Raises every weight to at least `floor` and takes the mass from the others in proportion to
 * their weights (water-filling: repeated until no scaled weight falls under the floor). Returns
 * weights summing to 1. Equal weights when the floors alone would take everything (k · floor ≥ 1)
 * or when no weight is positive.
 */
export function applyFloor(weights: readonly number[], floor: number): number[] {
  const k = weights.length;
  if (k === 0) return [];
  const clean = weights.map((w) => (Number.isFinite(w) && w > 0 ? w : 0));
  const f = Number.isFinite(floor) && floor > 0 ? floor : 0;
  if (f * k >= 1 || !clean.some((w) => w > 0)) return clean.map(() => 1 / k);
  const floored = new Set<number>();
  for (;;) {
    const freeMass = 1 - f * floored.size;
    const freeSum = clean.reduce((s, w, i) => (floored.has(i) ? s : s + w), 0);
    const out = clean.map((w, i) => (floored.has(i) ? f : freeSum > 0 ? (w / freeSum) * freeMass : freeMass / (k - floored.size)));
    const under = out.flatMap((w, i) => (!floored.has(i) && w < f ? [i] : []));
    if (under.length === 0) return out;
    for (const i of under) floored.add(i);
  }
}

function validArm(a: BanditArm): boolean {
  return Number.isInteger(a.exposures) && Number.isInteger(a.conversions) && a.exposures >= 0 && a.conversions >= 0 && a.conversions <= a.exposures;
}

/** Mean and standard error of the order value: the arm's own with ≥ 2 orders, else all arms'. */
function orderValueModels(arms: readonly BanditArm[]): Array<{ mean: number; se: number }> {
  const stats = (orders: number, sum: number, squares: number): { mean: number; sd: number } | null => {
    const mean = averageOrderValue(orders, sum);
    if (mean === null || orders < 2) return null;
    return { mean, sd: Math.sqrt(Math.max(0, (squares - (sum * sum) / orders) / (orders - 1))) };
  };
  const sum = (f: (a: BanditArm) => number): number => arms.reduce((s, a) => s + f(a), 0);
  const pooled = stats(sum((a) => a.conversions), sum((a) => a.revenue ?? 0), sum((a) => a.revenueSquares ?? 0)) ?? { mean: 1, sd: 0 };
  return arms.map((a) => {
    const own = stats(a.conversions, a.revenue ?? 0, a.revenueSquares ?? 0);
    const m = own ?? pooled;
    return { mean: m.mean, se: m.sd / Math.sqrt(Math.max(1, a.conversions)) };
  });
}

/**
 * Thompson-sampling weights, one per arm, summing to 1, each at least the floor (see
 * {@link applyFloor}).
 *
 * - `conversion`: each arm's rate ~ Beta(1 + conversions, 1 + exposures − conversions) (uniform
 *   prior); the weight is the share of draws in which that arm's rate is the largest.
 * - `revenue`: revenue per visitor = rate × order value, the rate drawn as above and the order value
 *   from a normal approximation of its posterior, N(mean order value, s² / orders) cut at 0. An arm
 *   with fewer than two orders borrows the order-value mean and spread of all arms together
 *   (without any orders anywhere, every order is worth the same and this is the conversion metric).
 *
 * Deterministic for a given generator state: seed it per experiment and reallocation (e.g.
 * `seededRandom(\`${experimentId}:${reallocatedAt}\`)`) so every instance computes the same
 * weights. One arm gets weight 1, none gives []. Throws a RangeError on invalid counts.
 */
export function thompsonWeights(arms: readonly BanditArm[], rng: Random, options: ThompsonOptions = {}): number[] {
  if (!arms.every(validArm)) throw new RangeError('thompsonWeights: counts must be integers with 0 ≤ conversions ≤ exposures');
  const draws = options.draws ?? DEFAULT_THOMPSON_DRAWS;
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError(`thompsonWeights: draws must be a positive integer, got ${draws}`);
  const floor = options.floor ?? DEFAULT_ARM_FLOOR;
  if (arms.length <= 1) return arms.map(() => 1);
  const orderValues = options.metric === 'revenue' ? orderValueModels(arms) : null;
  const wins = new Array<number>(arms.length).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < arms.length; i++) {
      const arm = arms[i] as BanditArm;
      let value = betaDraw(rng, 1 + arm.conversions, 1 + arm.exposures - arm.conversions);
      const ov = orderValues?.[i];
      if (ov) value *= Math.max(0, ov.mean + ov.se * normalDraw(rng));
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    wins[best] = (wins[best] ?? 0) + 1;
  }
  return applyFloor(
    wins.map((w) => w / draws),
    floor,
  );
}

/**
 * Whether a bandit's weights are due for recomputation: never computed (null), or at least
 * `intervalMs` (default 15 min) since the last time. A last time in the future beyond one interval
 * (a clock that jumped back, a bad stored value) also counts as due, so weights cannot freeze;
 * within one interval ahead the weights are kept. Times in ms since the epoch.
 */
export function shouldReallocate(lastReallocatedAt: number | null, now: number, intervalMs = REALLOCATION_INTERVAL_MS): boolean {
  if (lastReallocatedAt === null || !Number.isFinite(lastReallocatedAt)) return true;
  const elapsed = now - lastReallocatedAt;
  return elapsed >= intervalMs || elapsed < -intervalMs;
}
