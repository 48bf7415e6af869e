// A configured bandit's allocation from its results: the arms' counts within the attribution window
// (as the results read them) become Thompson-sampling weights (thompson.ts) with a 1 % floor, and
// the chance that each arm is the best, one Monte Carlo run for both. Pure: the metrics and the
// time come in. Seeded by the experiment and the 15-minute slot of the time, so every instance that
// reads the same counts in the same slot computes the same weights.
import type { ArmMetrics } from '../store/store.js';
import { normaliseWeights } from './assign.js';
import { resultCurrency } from './results.js';
import { seededRandom } from './rng.js';
import { applyFloor, DEFAULT_ARM_FLOOR, REALLOCATION_INTERVAL_MS, thompsonWeights, type BanditArm } from './thompson.js';
import type { Experiment } from './types.js';

export interface BanditAllocation {
  /** Share of new visitors per variant (in `experiment.variants` order): at least the floor each, summing to 1; 0 for an arm switched off (weight 0). */
  weights: number[];
  /** Posterior chance that each arm is the best on the bandit's metric; 0 for an arm switched off. */
  chanceToBeBest: number[];
  /** When they were computed (ms epoch). */
  at: number;
}

const EMPTY: ArmMetrics = { exposures: 0, conversions: 0, orders: 0, revenue: {} };

/** Whether the offers file made this experiment a bandit. */
export function isBandit(experiment: Experiment): boolean {
  return experiment.allocation === 'thompson';
}

/** Start of the 15-minute slot `now` falls in: the seed's time part. */
export function reallocationSlot(now: number): number {
  return Math.floor(now / REALLOCATION_INTERVAL_MS) * REALLOCATION_INTERVAL_MS;
}

/**
 * What the bandit knows about each variant: exposures and conversions on `conversion`; on `revenue`,
 * buyers in the result currency as the conversions, with their revenue and Σ revenue² per visitor
 * (so rate × order value is revenue per visitor).
 */
export function banditArms(experiment: Experiment, metrics: ReadonlyMap<string, ArmMetrics>): BanditArm[] {
  const currency = experiment.allocationMetric === 'revenue' ? resultCurrency(experiment, metrics) : null;
  return experiment.variants.map((v) => {
    const m = metrics.get(v.id) ?? EMPTY;
    if (experiment.allocationMetric !== 'revenue') return { exposures: m.exposures, conversions: Math.min(m.conversions, m.exposures) };
    const r = currency === null ? undefined : m.revenue[currency];
    return { exposures: m.exposures, conversions: Math.min(r?.buyers ?? 0, m.exposures), revenue: r?.revenue ?? 0, revenueSquares: r?.revenueSquares ?? 0 };
  });
}

/** Spreads the values of the switched-on arms (`on[j]` is the variant index) back over every variant, 0 for the others. */
function spread(k: number, on: readonly number[], values: readonly number[]): number[] {
  const out = new Array<number>(k).fill(0);
  on.forEach((index, j) => (out[index] = values[j] ?? 0));
  return out;
}

/** The switched-on arms: a weight above 0 in the offers file. */
function armsOn(experiment: Experiment): number[] {
  return experiment.variants.flatMap((v, i) => (v.weight > 0 ? [i] : []));
}

/**
 * Before any result is read: the configured weights of the switched-on arms, with the floor, and
 * no knowledge of which arm is best (equal chances).
 */
export function initialAllocation(experiment: Experiment, at: number): BanditAllocation {
  const on = armsOn(experiment);
  const k = experiment.variants.length;
  const configured = normaliseWeights(on.map((i) => experiment.variants[i]?.weight ?? 0)) ?? on.map(() => 1 / Math.max(1, on.length));
  return { weights: spread(k, on, applyFloor(configured, DEFAULT_ARM_FLOOR)), chanceToBeBest: spread(k, on, on.map(() => 1 / on.length)), at };
}

/** The allocation from the experiment's results read at `now`. `draws`: Monte Carlo draws (thompson.ts). */
export function banditAllocation(experiment: Experiment, metrics: ReadonlyMap<string, ArmMetrics>, now: number, draws?: number): BanditAllocation {
  const on = armsOn(experiment);
  const all = banditArms(experiment, metrics);
  const arms = on.map((i) => all[i] as BanditArm);
  const rng = seededRandom(`${experiment.seed ?? experiment.id}:${reallocationSlot(now)}`);
  const chance = thompsonWeights(arms, rng, { metric: experiment.allocationMetric ?? 'conversion', floor: 0, ...(draws === undefined ? {} : { draws }) });
  const k = experiment.variants.length;
  return { weights: spread(k, on, applyFloor(chance, DEFAULT_ARM_FLOOR)), chanceToBeBest: spread(k, on, chance), at: now };
}
