// The simulated proofs of the experiment statistics, as figures: many seeded runs of each scenario
// aggregated into rates with exact 95 % intervals. `npm run simulate` runs them in full; the tests
// run the same functions with fewer runs. Pure and deterministic for given run counts.
import { clopperPearson } from '../distributions.js';
import { DEFAULT_TUNING_VISITORS } from '../sequential.js';
import { SRM_P_THRESHOLD } from '../stats.js';
import { runAb, type AbRunOutcome, type AbScenario } from './ab-run.js';
import { runBandit, type BanditScenario } from './bandit-run.js';

/** A count of runs out of a total, with its Clopper–Pearson 95 % interval. */
export interface Rate {
  count: number;
  runs: number;
  rate: number;
  ci95: [number, number];
}

export function rateOf(count: number, runs: number): Rate {
  return { count, runs, rate: runs > 0 ? count / runs : Number.NaN, ci95: clopperPearson(count, runs) };
}

const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const COMMON = { days: 14, lookEveryMinutes: 5, tuningVisitors: DEFAULT_TUNING_VISITORS } as const;

/** A/A: both arms convert 5 %, 20,000 visitors over 14 days through `assign`, read every 5 minutes. */
export const AA_SCENARIO: AbScenario = {
  ...COMMON,
  name: 'aa',
  rates: [0.05, 0.05],
  assignWeights: [1, 1],
  visitors: 20_000,
  split: 'hash',
  srmCheckpoints: [],
};

/** Power: the treatment converts 20 % better (relative) than `baseRate`; 10,000 visitors per arm. */
export function powerScenario(baseRate: number): AbScenario {
  return {
    ...COMMON,
    name: `power-${baseRate}`,
    rates: [baseRate, baseRate * 1.2],
    assignWeights: [1, 1],
    visitors: 20_000,
    split: 'draw',
    srmCheckpoints: [],
  };
}

/**
 * SRM: an experiment meant to split 50/50 that really sends 46 % / 54 % (through `assign`). The
 * split is checked at the checkpoints; the results are read hourly only, as they are not the point.
 */
export const SRM_SCENARIO: AbScenario = {
  ...COMMON,
  lookEveryMinutes: 60,
  name: 'srm',
  rates: [0.05, 0.05],
  assignWeights: [46, 54],
  visitors: 10_000,
  split: 'hash',
  srmCheckpoints: [1_000, 2_000, 5_000],
};

/** Bandit: three arms converting 4 %, 5 % and 6 %; 2,000 new visitors a day for 14 days. */
export const BANDIT_SCENARIO: BanditScenario = {
  name: 'bandit',
  rates: [0.04, 0.05, 0.06],
  visitors: 28_000,
  days: 14,
  returningShare: 0.2,
  draws: 1_000,
};

function runMany<T>(runs: number, one: (run: number) => T): T[] {
  return Array.from({ length: runs }, (_, run) => one(run));
}

export interface AaFigures {
  scenario: AbScenario;
  looks: number;
  /** Runs in which some read declared a winner: the false-positive rate under peeking. */
  sequential: Rate;
  fixedPeeking: Rate;
  /** The fixed-horizon z-test read once, at the end (its nominal 5 %). */
  fixedOnce: Rate;
  revenueSequential: Rate;
  welchOnce: Rate;
  /** Runs flagged by the SRM check at the end (p < 0.001) although the split is right. */
  srmFalseAlarms: Rate;
}

export function simulateAa(runs: number, scenario: AbScenario = AA_SCENARIO): AaFigures {
  const out = runMany(runs, (r) => runAb(scenario, r));
  const count = (f: (o: AbRunOutcome) => boolean): Rate => rateOf(out.filter(f).length, runs);
  return {
    scenario,
    looks: out[0]?.looks ?? 0,
    sequential: count((o) => o.sequential !== null),
    fixedPeeking: count((o) => o.fixedPeeking !== null),
    fixedOnce: count((o) => o.fixedAtEnd !== 'keep-running'),
    revenueSequential: count((o) => o.revenueSequential !== null),
    welchOnce: count((o) => o.revenueWelchAtEnd !== 'keep-running'),
    srmFalseAlarms: count((o) => (o.srmPValues.at(-1) ?? 1) < SRM_P_THRESHOLD),
  };
}

export interface PowerFigures {
  scenario: AbScenario;
  /** Runs in which the sequential test, read every 5 minutes, declared the treatment the winner. */
  sequential: Rate;
  /** Runs in which it declared the control the winner (wrong direction). */
  wrongDirection: Rate;
  /** The fixed-horizon z-test read once at the end, for comparison. */
  fixedOnce: Rate;
  /** Median visitors (both arms) seen when the sequential test decided, over deciding runs. */
  medianVisitorsAtDecision: number | null;
}

export function simulatePower(runs: number, baseRate: number): PowerFigures {
  const scenario = powerScenario(baseRate);
  const out = runMany(runs, (r) => runAb(scenario, r));
  const count = (f: (o: AbRunOutcome) => boolean): Rate => rateOf(out.filter(f).length, runs);
  return {
    scenario,
    sequential: count((o) => o.sequential?.decision === 'treatment-wins'),
    wrongDirection: count((o) => o.sequential?.decision === 'control-wins'),
    fixedOnce: count((o) => o.fixedAtEnd === 'treatment-wins'),
    medianVisitorsAtDecision: median(out.flatMap((o) => (o.sequential ? [o.sequential.visitors] : []))),
  };
}

export interface SrmFigures {
  scenario: AbScenario;
  /** Share of runs flagged (p < 0.001) after this many visitors in total. */
  flagged: Array<{ visitors: number; flagged: Rate }>;
}

export function simulateSrm(runs: number, scenario: AbScenario = SRM_SCENARIO): SrmFigures {
  const out = runMany(runs, (r) => runAb(scenario, r));
  const at = [...scenario.srmCheckpoints, scenario.visitors];
  return {
    scenario,
    flagged: at.map((visitors, i) => ({
      visitors,
      flagged: rateOf(out.filter((o) => (o.srmPValues[i] ?? 1) < SRM_P_THRESHOLD).length, runs),
    })),
  };
}

export interface BanditFigures {
  scenario: BanditScenario;
  reallocations: number;
  /** The best arm's weight at the end: median and lowest over runs. */
  bestFinalWeight: { median: number | null; min: number | null };
  /** The best arm's share of new visitors in the last 24 hours: median, lowest, runs with ≥ 70 %. */
  bestLastDayShare: { median: number | null; min: number | null; atLeast70: Rate };
  /** The best arm's share of all new visitors over the run (median). */
  bestOverallShare: number | null;
  returningVisits: number;
  stickinessViolations: number;
}

export function simulateBandit(runs: number, scenario: BanditScenario = BANDIT_SCENARIO): BanditFigures {
  const out = runMany(runs, (r) => runBandit(scenario, r));
  const best = scenario.rates.indexOf(Math.max(...scenario.rates));
  const share = (xs: readonly number[]): number => (xs[best] ?? 0) / Math.max(1, xs.reduce((a, b) => a + b, 0));
  const finals = out.map((o) => o.finalWeights[best] ?? 0);
  const lastDay = out.map((o) => share(o.lastDayExposures));
  return {
    scenario,
    reallocations: out[0]?.reallocations ?? 0,
    bestFinalWeight: { median: median(finals), min: finals.length ? Math.min(...finals) : null },
    bestLastDayShare: {
      median: median(lastDay),
      min: lastDay.length ? Math.min(...lastDay) : null,
      atLeast70: rateOf(lastDay.filter((s) => s >= 0.7).length, runs),
    },
    bestOverallShare: median(out.map((o) => share(o.exposures))),
    returningVisits: out.reduce((n, o) => n + o.returningVisits, 0),
    stickinessViolations: out.reduce((n, o) => n + o.stickinessViolations, 0),
  };
}
