// One simulated bandit experiment, end to end through the allocation code: every 5 simulated
// minutes visitors arrive; `shouldReallocate` decides whether the Thompson weights are recomputed
// (`banditAllocation` from the arms' counts, as the router does: seeded per reallocation); new visitors are placed by `assignAdaptive` against
// the current weights, and returning visitors are asked again and must keep their arm. Pure.
import type { ArmMetrics } from '../../store/store.js';
import { assignAdaptive } from '../adaptive-assign.js';
import { banditAllocation } from '../bandit.js';
import { seededRandom } from '../rng.js';
import { shouldReallocate, type BanditArm } from '../thompson.js';
import type { Experiment } from '../types.js';
import { arrivals, visitorId } from './traffic.js';

export interface BanditScenario {
  name: string;
  /** True conversion rate of each arm. */
  rates: readonly number[];
  /** New visitors over the whole run. */
  visitors: number;
  days: number;
  /** Share of arrivals who are visitors already enrolled, coming back. */
  returningShare: number;
  /** Monte Carlo draws per reallocation (thompson.ts). */
  draws: number;
}

export interface BanditRunOutcome {
  /** Weights in force at the end. */
  finalWeights: number[];
  /** New visitors per arm over the whole run. */
  exposures: number[];
  /** New visitors per arm in the last 24 simulated hours. */
  lastDayExposures: number[];
  reallocations: number;
  /** Returning visitors asked again, and how many of them got another arm than before (must be 0). */
  returningVisits: number;
  stickinessViolations: number;
}

const INTERVAL_MS = 5 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

/** Runs one bandit of the scenario with generator seed `${name}:${run}`. */
export function runBandit(scenario: BanditScenario, run: number): BanditRunOutcome {
  const rng = seededRandom(`${scenario.name}:${run}`);
  const k = scenario.rates.length;
  const experiment: Experiment = {
    id: `${scenario.name}-${run}`,
    coverage: 1,
    status: 'running',
    allocation: 'thompson',
    allocationMetric: 'conversion',
    variants: scenario.rates.map((_, i) => ({ id: `arm-${i}`, weight: 1, offer: i === 0 ? null : `offer-${i}` })),
  };
  const arms: BanditArm[] = scenario.rates.map(() => ({ exposures: 0, conversions: 0 }));
  const lastDay = new Array<number>(k).fill(0);
  const enrolled = new Map<string, string>();
  const enrolledIds: string[] = [];
  let weights = new Array<number>(k).fill(1 / k);
  let lastReallocation: number | null = null;
  let reallocations = 0;
  let returningVisits = 0;
  let stickinessViolations = 0;
  const intervals = Math.round((scenario.days * DAY_MS) / INTERVAL_MS);
  const lastDayStart = scenario.days * DAY_MS - DAY_MS;
  for (let i = 0; i < intervals; i++) {
    const now = i * INTERVAL_MS;
    if (shouldReallocate(lastReallocation, now)) {
      // What the router's allocator does with an experiment's results (bandit.ts).
      const metrics = new Map(arms.map((a, j): [string, ArmMetrics] => [`arm-${j}`, { exposures: a.exposures, conversions: a.conversions, orders: 0, revenue: {} }]));
      weights = banditAllocation(experiment, metrics, now, scenario.draws).weights;
      lastReallocation = now;
      reallocations += 1;
    }
    const newcomers = arrivals(i, intervals, scenario.visitors);
    // Returning visitors come on top of the newcomers, in the proportion the scenario asks for.
    const returning = enrolledIds.length > 0 ? Math.round((newcomers * scenario.returningShare) / (1 - scenario.returningShare)) : 0;
    for (let r = 0; r < returning; r++) {
      const id = enrolledIds[Math.floor(rng() * enrolledIds.length)] as string;
      const before = enrolled.get(id) ?? null;
      returningVisits += 1;
      if (assignAdaptive(experiment, id, weights, before)?.variantId !== before) stickinessViolations += 1;
    }
    for (let v = 0; v < newcomers; v++) {
      const id = visitorId(rng);
      const a = assignAdaptive(experiment, id, weights, enrolled.get(id) ?? null);
      if (!a) continue;
      enrolled.set(id, a.variantId);
      enrolledIds.push(id);
      const arm = experiment.variants.findIndex((x) => x.id === a.variantId);
      const counts = arms[arm] as BanditArm;
      counts.exposures += 1;
      if (rng() < (scenario.rates[arm] ?? 0)) counts.conversions += 1;
      if (now >= lastDayStart) lastDay[arm] = (lastDay[arm] ?? 0) + 1;
    }
  }
  return {
    finalWeights: weights,
    exposures: arms.map((a) => a.exposures),
    lastDayExposures: lastDay,
    reallocations,
    returningVisits,
    stickinessViolations,
  };
}
