// The simulated proofs of the experiment statistics, with the engine and scenarios of
// `npm run simulate` (which runs 1,000 A/A experiments through assign(), 1,000 power runs per base
// rate, 1,000 SRM runs and 100 bandit runs; the README quotes its figures), fewer runs, fixed seeds.
//
// How the thresholds were chosen. The count of runs meeting a claim is binomial. A threshold must
// (1) pass for a method as good as the full runs measured, except with a small probability, and
// (2) fail for a broken one. With the full runs' rates as the truth:
// - A/A, 800 runs, sequential false positives ≤ 40 (5 %): at the measured 2.9 % P(> 40) = 0.04 %
//   (at 4.1 %, the top of its 95 % interval, 9 %); a method at 7.5 % passes with P = 0.3 %, and the
//   fixed-horizon test read at every refresh (51 %) never. Revenue: measured 2.3 %, P(> 40) < 1e-5.
//   These runs split visitors with the generator (`draw`: 5 ms a run instead of 35); that assign()
//   splits the same visitors evenly is checked beside them on 20 runs through assign().
// - A/A, fixed-horizon read at every refresh ≥ 200 of 800 (25 %): at 51 %, P(< 200) < 1e-50.
// - A/A, SRM false alarms ≤ 4 of 800: at the nominal 0.1 %, P(> 4) = 0.14 %.
// - Power, 100 runs at a 10 % base rate ≥ 80: at the measured 96.4 %, P(< 80) < 1e-10. At a 5 %
//   base rate the claim does not hold (65 % measured), and the test says so: P(≥ 80) = 0.09 %.
// - SRM 46/54, 100 runs: flagged in all at 10,000 visitors (χ² ≈ 64 expected; a miss needs
//   χ² < 10.8, P < 1e-9 a run) and in ≥ 90 at 5,000 (measured 98.6 %: P(< 90) < 1e-6).
// - Bandit, 3 runs: median share of the best arm in the last day ≥ 70 %; in the full runs the lowest
//   of 100 was 79 %, so one run under 70 % has probability ≤ 3.6 % (95 % bound), two of three ≤ 0.4 %.
// With fixed seeds each run gives the same figures every time.
import { beforeAll, describe, expect, it } from 'vitest';
import { runAb } from '../../../../server/experiments/simulate/ab-run';
import { AA_SCENARIO, simulateAa, simulateBandit, simulatePower, simulateSrm, type AaFigures } from '../../../../server/experiments/simulate/scenarios';
import { sampleRatioMismatch } from '../../../../server/experiments/stats';

// Several seconds of CPU each on a 2-core machine shared with other suites: generous timeouts
// (never an assertion on speed).
const SLOW = 180_000;

describe('A/A experiments read every 5 minutes for 14 days (800 runs)', () => {
  let aa: AaFigures;
  beforeAll(() => {
    aa = simulateAa(800, { ...AA_SCENARIO, split: 'draw' });
  }, SLOW);

  it('the sequential test keeps its 5 % false-positive rate, on conversion and on revenue', () => {
    expect(aa.looks).toBe(4032);
    expect(aa.sequential.count).toBeLessThanOrEqual(40);
    expect(aa.revenueSequential.count).toBeLessThanOrEqual(40);
  });

  it('the fixed-horizon z-test read at every refresh declares a winner in about half of them', () => {
    expect(aa.fixedPeeking.count).toBeGreaterThanOrEqual(200);
    expect(aa.fixedPeeking.count).toBeGreaterThan(aa.sequential.count * 5);
  });

  it('a correct split is almost never flagged as a sample-ratio mismatch', () => {
    expect(aa.srmFalseAlarms.count).toBeLessThanOrEqual(4);
  });

  it('assign() splits the A/A scenario’s seeded visitors 50/50, as the draw split assumes', () => {
    const outcomes = Array.from({ length: 20 }, (_, run) => runAb(AA_SCENARIO, run));
    const control = outcomes.reduce((n, o) => n + o.exposures[0], 0);
    const treatment = outcomes.reduce((n, o) => n + o.exposures[1], 0);
    expect(control + treatment).toBe(400_000);
    expect(sampleRatioMismatch([control, treatment], [1, 1]).mismatch).toBe(false);
    for (const o of outcomes) expect(sampleRatioMismatch(o.exposures, [1, 1]).mismatch).toBe(false);
  });
}, SLOW);

describe('a true +20 % lift at 10,000 visitors per arm (100 runs per base rate)', () => {
  it('is declared by the sequential test in at least 80 % of runs at a 10 % base rate', () => {
    const p = simulatePower(100, 0.1);
    expect(p.scenario.visitors).toBe(20_000);
    expect(p.sequential.count).toBeGreaterThanOrEqual(80);
    expect(p.wrongDirection.count).toBe(0);
  });

  it('is not, at a 5 % base rate: the price of reading at any time (a single read at the end does better)', () => {
    const p = simulatePower(100, 0.05);
    expect(p.sequential.count).toBeLessThan(80);
    expect(p.fixedOnce.count).toBeGreaterThan(p.sequential.count);
  });
}, SLOW);

describe('an injected 46/54 split where 50/50 was configured (100 runs)', () => {
  it('is flagged (p < 0.001) at realistic sample sizes', () => {
    const srm = simulateSrm(100);
    const at = (visitors: number): number => srm.flagged.find((f) => f.visitors === visitors)?.flagged.count ?? -1;
    expect(at(10_000)).toBe(100);
    expect(at(5_000)).toBeGreaterThanOrEqual(90);
  });
}, SLOW);

describe('a Thompson bandit over three arms converting 4, 5 and 6 % for 14 days (3 runs)', () => {
  it('sends at least 70 % of new visitors to the best arm by the end, and nobody changes arm', () => {
    const b = simulateBandit(3);
    expect(b.reallocations).toBe(14 * 24 * 4);
    expect(b.bestLastDayShare.median ?? 0).toBeGreaterThanOrEqual(0.7);
    expect(b.bestFinalWeight.median ?? 0).toBeGreaterThanOrEqual(0.7);
    expect(b.returningVisits).toBeGreaterThan(0);
    expect(b.stickinessViolations).toBe(0);
  });
}, SLOW);
