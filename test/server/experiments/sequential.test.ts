import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalQuantile } from '../../../server/experiments/distributions';
import { conversionSummary } from '../../../server/experiments/estimates';
import {
  alwaysValidPValue,
  boundaryMultiplier,
  DEFAULT_TUNING_VISITORS,
  mixtureRho,
  sequentialConversionTest,
  sequentialTest,
} from '../../../server/experiments/sequential';

describe('the normal-mixture boundary', () => {
  it('ρ follows Waudby-Smith et al.: ρ² = (−2 ln α + ln(1 − 2 ln α)) / N*', () => {
    // α = 0.05: −2 ln α = 5.991464547107979, ln(1 + that) = 1.9447..., so ρ² N* = 7.93621...
    const l = -2 * Math.log(0.05);
    expect(mixtureRho(0.05, 5000) ** 2 * 5000).toBeCloseTo(l + Math.log(1 + l), 12);
    expect(() => mixtureRho(0.05, 0)).toThrow(RangeError);
    expect(() => mixtureRho(1.2, 1000)).toThrow(RangeError);
  });

  it('is narrowest near N* and always wider than a single fixed-horizon read', () => {
    for (const tuning of [1000, DEFAULT_TUNING_VISITORS, 50_000]) {
      const rho = mixtureRho(0.05, tuning);
      const at = (n: number): number => boundaryMultiplier(n, 0.05, rho);
      expect(at(tuning)).toBeLessThan(at(tuning / 3));
      expect(at(tuning)).toBeLessThan(at(tuning * 3));
      for (const n of [10, tuning / 2, tuning, tuning * 10, 1e9]) expect(at(n)).toBeGreaterThan(normalQuantile(0.975));
    }
    expect(boundaryMultiplier(0, 0.05, mixtureRho(0.05, 1000))).toBe(Number.POSITIVE_INFINITY);
  });

  it('with the default N*, spans 3.36 standard errors at 2,000 visitors, 3.04 at 10,000, 3.06 at 20,000', () => {
    const rho = mixtureRho(0.05, DEFAULT_TUNING_VISITORS);
    expect(boundaryMultiplier(2_000, 0.05, rho)).toBeCloseTo(3.364, 3);
    expect(boundaryMultiplier(10_000, 0.05, rho)).toBeCloseTo(3.035, 3);
    expect(boundaryMultiplier(20_000, 0.05, rho)).toBeCloseTo(3.061, 3);
  });

  it('p < α exactly when |z| is beyond the boundary: the p-value and the interval are one test', () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), fc.integer({ min: 2, max: 10_000_000 }), fc.constantFrom(0.01, 0.05, 0.1), (z, n, alpha) => {
        const rho = mixtureRho(alpha, 10_000);
        const m = boundaryMultiplier(n, alpha, rho);
        fc.pre(Math.abs(Math.abs(z) - m) > 1e-9);
        expect(alwaysValidPValue(z, n, rho) < alpha).toBe(Math.abs(z) > m);
      }),
    );
  });

  it('the p-value falls as |z| grows and is 1 at z = 0', () => {
    const rho = mixtureRho(0.05, 10_000);
    expect(alwaysValidPValue(0, 5_000, rho)).toBe(1);
    let previous = 1;
    for (let z = 0; z <= 8; z += 0.25) {
      const p = alwaysValidPValue(z, 5_000, rho);
      expect(p).toBeLessThanOrEqual(previous);
      expect(alwaysValidPValue(-z, 5_000, rho)).toBe(p);
      previous = p;
    }
  });
});

describe('sequentialTest', () => {
  it('matches GrowthBook gbstats on its sequential fixtures (relative effect)', () => {
    // packages/stats/tests/frequentist/test_tests.py, TestSequentialTTest.test_sequential_test_runs:
    // tuning 1000 → lift 0.50336, CI [−0.55844, 1.56516], p 1.
    const r = sequentialTest({ n: 3000, sum: 1396.87, sumSquares: 52377.9767 }, { n: 3461, sum: 2422.7, sumSquares: 134698.29 }, { tuningVisitors: 1000 });
    expect(r?.lift).toBeCloseTo(0.50336, 5);
    expect(r?.liftInterval?.lower).toBeCloseTo(-0.55844, 5);
    expect(r?.liftInterval?.upper).toBeCloseTo(1.56516, 5);
    expect(r?.pValue).toBe(1);
    expect(r?.decision).toBe('keep-running');
  });

  it('matches GrowthBook on proportions to the Bessel correction', () => {
    // test_sequential_test_runs_prop: 1396/3000 vs 2422/3461, tuning 5000 → CI [0.40098, 0.60675].
    // gbstats takes p(1 − p) as a proportion's variance, we take the sample variance p(1 − p) n/(n − 1):
    // the bounds differ by about 2e-5.
    const r = sequentialConversionTest(1396, 3000, 2422, 3461, { tuningVisitors: 5000 });
    expect(r?.lift).toBeCloseTo(0.50386, 5);
    expect(Math.abs((r?.liftInterval?.lower ?? 0) - 0.40098)).toBeLessThan(5e-5);
    expect(Math.abs((r?.liftInterval?.upper ?? 0) - 0.60675)).toBeLessThan(5e-5);
    expect(r?.pValue).toBeLessThan(1e-50);
    expect(r?.decision).toBe('treatment-wins');
  });

  it('decides for either side, and says keep running in between', () => {
    expect(sequentialConversionTest(500, 10_000, 650, 10_000)?.decision).toBe('treatment-wins');
    expect(sequentialConversionTest(650, 10_000, 500, 10_000)?.decision).toBe('control-wins');
    // +10 % at 10,000 per arm: z ≈ 1.6, significant for no test.
    const undecided = sequentialConversionTest(500, 10_000, 550, 10_000);
    expect(undecided?.decision).toBe('keep-running');
    expect(undecided?.differenceInterval.lower).toBeLessThan(0);
    expect(undecided?.differenceInterval.upper).toBeGreaterThan(0);
  });

  it('is wider than the fixed-horizon interval at every sample size', () => {
    for (const n of [100, 1_000, 10_000, 100_000]) {
      const r = sequentialConversionTest(Math.round(n * 0.05), n, Math.round(n * 0.06), n);
      const se = Math.sqrt((0.05 * 0.95) / (n - 1) + (0.06 * 0.94) / (n - 1));
      expect((r?.differenceInterval.upper ?? 0) - (r?.differenceInterval.lower ?? 0)).toBeGreaterThan(2 * 1.96 * se);
    }
  });

  it('works on revenue per visitor from sufficient statistics', () => {
    // 1,000 visitors per arm; control: 50 buyers at 40 each; treatment: 60 buyers at 50 each.
    const control = { n: 1000, sum: 50 * 40, sumSquares: 50 * 40 * 40 };
    const treatment = { n: 1000, sum: 60 * 50, sumSquares: 60 * 50 * 50 };
    const r = sequentialTest(control, treatment);
    expect(r?.difference).toBeCloseTo(1, 12);
    expect(r?.lift).toBeCloseTo(0.5, 12);
    expect(r?.liftInterval).not.toBeNull();
  });

  it('has nothing to say without data or without variation', () => {
    expect(sequentialConversionTest(0, 0, 0, 0)).toBeNull();
    expect(sequentialConversionTest(0, 1, 1, 1)).toBeNull();
    expect(sequentialConversionTest(0, 500, 0, 500)).toBeNull(); // nobody converted yet
    expect(sequentialConversionTest(500, 500, 500, 500)).toBeNull(); // everybody converted
    expect(sequentialConversionTest(6, 5, 1, 5)).toBeNull(); // more conversions than visitors
  });

  it('keeps a difference but no lift when control has not converted', () => {
    const r = sequentialConversionTest(0, 1000, 30, 1000);
    expect(r?.lift).toBeNull();
    expect(r?.liftInterval).toBeNull();
    expect(r?.difference).toBeCloseTo(0.03, 15);
  });

  it('every result is internally consistent', () => {
    const arm = fc.integer({ min: 2, max: 50_000 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n })));
    fc.assert(
      fc.property(arm, arm, ([nc, cc], [nt, ct]) => {
        const r = sequentialConversionTest(cc, nc, ct, nt);
        if (!r) return;
        expect(r.differenceInterval.lower).toBeLessThanOrEqual(r.difference);
        expect(r.differenceInterval.upper).toBeGreaterThanOrEqual(r.difference);
        expect(r.pValue).toBeGreaterThanOrEqual(0); // 0 when e^(−z²…) underflows
        expect(r.pValue).toBeLessThanOrEqual(1);
        const wins = r.differenceInterval.lower > 0 ? 'treatment-wins' : r.differenceInterval.upper < 0 ? 'control-wins' : 'keep-running';
        expect(r.decision).toBe(wins);
        expect(r.decision !== 'keep-running').toBe(r.pValue < 0.05);
      }),
    );
  });
});
