// The simulated proofs of the experiment statistics, with fewer runs than `npm run simulate`
// (which runs 1,000 A/A, 1,000 power runs per base rate, 1,000 SRM runs and 100 bandit runs, and
// whose figures the README quotes). Same engine, same scenarios, same seeds for the runs both do.
//
// How the thresholds were chosen. Each claim is checked on a few hundred runs, where the count of
// runs meeting it is binomial. A threshold must (1) pass for a method as good as the full runs
// measured, except with a negligible probability, and (2) fail for a broken method. With the full
// runs' rates as the truth:
// - A/A, 200 runs, sequential false positives ≤ 10 (5 %): at the measured 2.2 %, P(> 10) ≈ 0.3 %;
//   at a true 10 % it would pass with P ≈ 0.1 % — peeking at the fixed-horizon test (51 %) never.
// - A/A, fixed-horizon read at every refresh ≥ 50 of 200: at the measured 51 % P(< 50) < 1e-13.
// - A/A, SRM false alarms ≤ 2 of 200: at the nominal 0.1 %, P(> 2) ≈ 0.1 %.
// - Power, 100 runs at a 10 % base rate ≥ 80: at the measured 96 %, P(< 80) < 1e-6; at 5 % the
//   claim does not hold (65 % measured) and the test says so: ≥ 80 of 100 there has P ≈ 0.1 %.
// - SRM 46/54, 100 runs: flagged in all at 10,000 visitors (χ² ≈ 64 expected; a miss needs χ² < 10.8,
//   P < 1e-9 per run) and in ≥ 90 at 5,000 (measured 98.6 %: P(< 90) ≈ 1e-5).
// - Bandit, 3 runs: median share of the best arm in the last day ≥ 70 %; in the full runs the lowest
//   of 100 was 79 %, so a single run under 70 % has probability ≤ 3.6 % (95 % bound) and two of
//   three ≤ 0.4 %.
// The seeds are fixed, so each of these runs gives the same figures every time.
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateAa, simulateBandit, simulatePower, simulateSrm, type AaFigures } from '../../../../server/experiments/simulate/scenarios';

// Several seconds of CPU each on a 2-core machine shared with other suites: generous timeouts
// (never an assertion on speed).
const SLOW = 180_000;

describe('A/A experiments read every 5 minutes for 14 days (200 runs)', () => {
  let aa: AaFigures;
  beforeAll(() => {
    aa = simulateAa(200);
  }, SLOW);

  it('the sequential test keeps its 5 % false-positive rate, on conversion and on revenue', () => {
    expect(aa.looks).toBe(4032);
    expect(aa.sequential.count).toBeLessThanOrEqual(10);
    expect(aa.revenueSequential.count).toBeLessThanOrEqual(10);
  });

  it('the fixed-horizon z-test read at every refresh declares a winner in most of them', () => {
    expect(aa.fixedPeeking.count).toBeGreaterThanOrEqual(50);
    expect(aa.fixedPeeking.count).toBeGreaterThan(aa.sequential.count * 5);
  });

  it('a correct split is almost never flagged as a sample-ratio mismatch', () => {
    expect(aa.srmFalseAlarms.count).toBeLessThanOrEqual(2);
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
