// One simulated two-arm experiment, end to end through the decision and statistics code: seeded
// visitors arrive in 5-minute intervals, `assign` (assign.ts, GrowthBook's hashing) puts each in an
// arm, each converts with its arm's true rate (buyers spend a log-normal order value), and after
// every interval the results are read as a dashboard would: the sequential test (the default), the
// fixed-horizon z-test (as if someone peeked at it) and the sample-ratio check. Pure.
import { assign } from '../assign.js';
import type { ArmSummary } from '../estimates.js';
import { welchTest, zTestConversion } from '../fixed-horizon.js';
import { seededRandom } from '../rng.js';
import { sequentialConversionTest, sequentialTest, type SequentialDecision } from '../sequential.js';
import { sampleRatioMismatch } from '../stats.js';
import type { Experiment } from '../types.js';
import { arrivals, orderValue, visitorId } from './traffic.js';

export interface AbScenario {
  /** Names the experiments (their hash seeds) and seeds the generator, with the run number. */
  name: string;
  /** True conversion rates of control and treatment. */
  rates: [number, number];
  /** Weights the assignment really uses; the SRM check expects 50/50 (an injected split differs). */
  assignWeights: [number, number];
  /** Visitors over the whole run (both arms). */
  visitors: number;
  days: number;
  lookEveryMinutes: number;
  /** The sequential test's N* (sequential.ts). */
  tuningVisitors: number;
  /**
   * How arriving visitors are split: `hash` gives each a seeded visitor id and calls `assign`
   * (the real path; about 1 µs a visitor), `draw` picks the arm with the generator at the
   * assignment weights (the same split in distribution, for the many power runs).
   */
  split: 'hash' | 'draw';
  /** Total exposures at which the SRM p-value is recorded (besides the end). */
  srmCheckpoints: readonly number[];
}

/** When a read first gave a decision: the look (0-based) and the visitors seen then. */
export interface FirstSignal {
  look: number;
  visitors: number;
  decision: SequentialDecision;
}

export interface AbRunOutcome {
  exposures: [number, number];
  conversions: [number, number];
  looks: number;
  /** First decisive sequential read on conversion rate (any direction), or null. */
  sequential: FirstSignal | null;
  /** First read where the fixed-horizon z-test gave p < 0.05 (peeking), or null. */
  fixedPeeking: FirstSignal | null;
  /** The fixed-horizon z-test read once, at the end. */
  fixedAtEnd: SequentialDecision;
  /** First decisive sequential read on revenue per visitor, or null. */
  revenueSequential: FirstSignal | null;
  /** Welch's test on revenue per visitor read once, at the end. */
  revenueWelchAtEnd: SequentialDecision;
  /** SRM p-value at each checkpoint reached (same order as the scenario's), then at the end. */
  srmPValues: number[];
}

const ALPHA = 0.05;

function verdict(pValue: number | null | undefined, difference: number | undefined): SequentialDecision {
  if (pValue === null || pValue === undefined || difference === undefined || !(pValue < ALPHA)) return 'keep-running';
  return difference > 0 ? 'treatment-wins' : 'control-wins';
}

/** Runs one experiment of the scenario with generator seed `${name}:${run}`. */
export function runAb(scenario: AbScenario, run: number): AbRunOutcome {
  const rng = seededRandom(`${scenario.name}:${run}`);
  const experiment: Experiment = {
    id: `${scenario.name}-${run}`,
    coverage: 1,
    status: 'running',
    variants: [
      { id: 'control', weight: scenario.assignWeights[0], offer: null },
      { id: 'treatment', weight: scenario.assignWeights[1], offer: 'offer' },
    ],
  };
  const conv: [ArmSummary, ArmSummary] = [
    { n: 0, sum: 0, sumSquares: 0 },
    { n: 0, sum: 0, sumSquares: 0 },
  ];
  const revenue: [ArmSummary, ArmSummary] = [
    { n: 0, sum: 0, sumSquares: 0 },
    { n: 0, sum: 0, sumSquares: 0 },
  ];
  const treatmentShare = scenario.assignWeights[1] / (scenario.assignWeights[0] + scenario.assignWeights[1]);
  const looks = Math.round((scenario.days * 24 * 60) / scenario.lookEveryMinutes);
  const checkpoints = [...scenario.srmCheckpoints];
  const srmPValues: number[] = [];
  let sequential: FirstSignal | null = null;
  let fixedPeeking: FirstSignal | null = null;
  let revenueSequential: FirstSignal | null = null;
  let seen = 0;
  for (let look = 0; look < looks; look++) {
    const arriving = arrivals(look, looks, scenario.visitors);
    for (let k = 0; k < arriving; k++) {
      const arm = scenario.split === 'hash' ? (assign(experiment, visitorId(rng))?.variantId === 'treatment' ? 1 : 0) : rng() < treatmentShare ? 1 : 0;
      const c = conv[arm];
      const r = revenue[arm];
      c.n += 1;
      r.n += 1;
      if (rng() < scenario.rates[arm]) {
        const value = orderValue(rng);
        c.sum += 1;
        c.sumSquares += 1;
        r.sum += value;
        r.sumSquares += value * value;
      }
      seen += 1;
      if (checkpoints.length > 0 && seen === checkpoints[0]) {
        checkpoints.shift();
        srmPValues.push(sampleRatioMismatch([conv[0].n, conv[1].n], [1, 1]).pValue);
      }
    }
    if (!sequential) {
      const s = sequentialConversionTest(conv[0].sum, conv[0].n, conv[1].sum, conv[1].n, { tuningVisitors: scenario.tuningVisitors });
      if (s && s.decision !== 'keep-running') sequential = { look, visitors: seen, decision: s.decision };
    }
    if (!fixedPeeking) {
      const f = zTestConversion(conv[0].sum, conv[0].n, conv[1].sum, conv[1].n);
      const d = verdict(f?.pValue, f?.difference);
      if (d !== 'keep-running') fixedPeeking = { look, visitors: seen, decision: d };
    }
    if (!revenueSequential) {
      const s = sequentialTest(revenue[0], revenue[1], { tuningVisitors: scenario.tuningVisitors });
      if (s && s.decision !== 'keep-running') revenueSequential = { look, visitors: seen, decision: s.decision };
    }
  }
  const end = zTestConversion(conv[0].sum, conv[0].n, conv[1].sum, conv[1].n);
  const welch = welchTest(revenue[0], revenue[1]);
  srmPValues.push(sampleRatioMismatch([conv[0].n, conv[1].n], [1, 1]).pValue);
  return {
    exposures: [conv[0].n, conv[1].n],
    conversions: [conv[0].sum, conv[1].sum],
    looks,
    sequential,
    fixedPeeking,
    fixedAtEnd: verdict(end?.pValue, end?.difference),
    revenueSequential,
    revenueWelchAtEnd: verdict(welch?.pValue, welch?.difference),
    srmPValues,
  };
}
