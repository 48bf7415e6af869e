import { describe, expect, it } from 'vitest';
import { conversionSummary } from '../../../server/experiments/estimates';
import { welchTest, zTestConversion } from '../../../server/experiments/fixed-horizon';
import { twoProportionTest } from '../../../server/experiments/stats';

describe('zTestConversion', () => {
  it('control 100/1000 against 130/1000: pooled z-test and a Wald interval', () => {
    // Wald SE = √(0.1 × 0.9 / 1000 + 0.13 × 0.87 / 1000) = √0.0002031 = 0.0142513...;
    // 95 % interval 0.03 ± 1.959964 × SE = [0.0020679, 0.0579321]. p from the pooled z (2.10274): 0.035488.
    const r = zTestConversion(100, 1000, 130, 1000);
    expect(r?.difference).toBeCloseTo(0.03, 15);
    expect(r?.differenceInterval.lower).toBeCloseTo(0.002067934439376, 12);
    expect(r?.differenceInterval.upper).toBeCloseTo(0.057932065560624, 12);
    expect(r?.statistic).toBeCloseTo(2.102740605622114, 10);
    expect(r?.pValue).toBeCloseTo(0.03548845046647471, 10);
    expect(r?.degreesOfFreedom).toBeNull();
    // Lift 30 %, delta-method SE √(V_t / p_c² + p_t² V_c / p_c⁴) with Wald variances.
    const se = Math.sqrt((0.13 * 0.87) / 1000 / 0.01 + (0.13 ** 2 * ((0.1 * 0.9) / 1000)) / 1e-4);
    expect(r?.lift).toBeCloseTo(0.3, 14);
    expect(r?.liftInterval?.lower).toBeCloseTo(0.3 - 1.959963984540054 * se, 12);
  });

  it('reports the same p-value as the results table has always shown', () => {
    for (const [cc, nc, ct, nt] of [
      [50, 1000, 70, 1000],
      [3, 40, 9, 38],
      [500, 10_000, 520, 10_000],
    ] as const) {
      expect(zTestConversion(cc, nc, ct, nt)?.pValue).toBe(twoProportionTest(cc, nc, ct, nt).pValue);
    }
  });

  it('a wider interval at a stricter level', () => {
    const at95 = zTestConversion(100, 1000, 130, 1000);
    const at99 = zTestConversion(100, 1000, 130, 1000, 0.01);
    expect((at99?.differenceInterval.lower ?? 0) < (at95?.differenceInterval.lower ?? 0)).toBe(true);
    expect(() => zTestConversion(1, 10, 2, 10, 0)).toThrow(RangeError);
  });

  it('edge cases: no visitors, one visitor, nobody or everybody converted', () => {
    expect(zTestConversion(0, 0, 1, 10)).toBeNull();
    expect(zTestConversion(1, 1, 1, 10)).toBeNull();
    expect(zTestConversion(11, 10, 1, 10)).toBeNull();
    const none = zTestConversion(0, 100, 0, 100);
    expect(none?.pValue).toBeNull();
    expect(none?.lift).toBeNull();
    expect(none?.differenceInterval).toEqual({ lower: 0, upper: 0 });
    const all = zTestConversion(100, 100, 100, 100);
    expect(all?.pValue).toBeNull();
    expect(all?.lift).toBe(0);
  });
});

describe('welchTest', () => {
  it('matches SciPy on raw data (scipy.stats.ttest_ind, equal_var=False)', () => {
    // control 19.1 22.4 18.7 25.3 21.0 23.8 20.2; treatment 24.5 27.1 22.9 30.2 26.6 25.0 28.8 23.4 29.9
    // → t 3.839179723848952, df 13.642081495888878, p 0.0018866930024964946, CI [2.19493275, 7.78284503].
    const r = welchTest({ n: 7, sum: 150.5, sumSquares: 3271.83 }, { n: 9, sum: 238.4, sumSquares: 6374.68 });
    expect(r?.statistic).toBeCloseTo(3.839179723848952, 9);
    expect(r?.degreesOfFreedom).toBeCloseTo(13.642081495888878, 9);
    expect(r?.pValue).toBeCloseTo(0.0018866930024964946, 11);
    expect(r?.differenceInterval.lower).toBeCloseTo(2.1949327512002905, 9);
    expect(r?.differenceInterval.upper).toBeCloseTo(7.78284502657749, 9);
  });

  it('matches GrowthBook gbstats on its two-sided t-test fixtures (absolute and relative)', () => {
    // packages/stats/tests/frequentist/test_tests.py: absolute → CI [0.04538, 0.53462], p 0.02016;
    // relative → lift 0.70732, CI [−0.03526, 1.44989].
    const r = welchTest({ n: 3407, sum: 1396.87, sumSquares: 52377.9767 }, { n: 3461, sum: 2422.7, sumSquares: 134698.29 });
    expect(r?.difference).toBeCloseTo(0.29, 12);
    expect(r?.differenceInterval.lower).toBeCloseTo(0.04538, 5);
    expect(r?.differenceInterval.upper).toBeCloseTo(0.53462, 5);
    expect(r?.pValue).toBeCloseTo(0.02016, 5);
    expect(r?.lift).toBeCloseTo(0.70732, 5);
    expect(r?.liftInterval?.lower).toBeCloseTo(-0.03526, 5);
    expect(r?.liftInterval?.upper).toBeCloseTo(1.44989, 5);
  });

  it('on 0/1 outcomes at large n it agrees with the z-test interval', () => {
    const w = welchTest(conversionSummary(20_000, 1000), conversionSummary(20_000, 1100));
    const z = zTestConversion(1000, 20_000, 1100, 20_000);
    expect(Math.abs((w?.differenceInterval.lower ?? 0) - (z?.differenceInterval.lower ?? 1))).toBeLessThan(1e-5);
  });

  it('is null with an arm of one visitor or no variation anywhere', () => {
    expect(welchTest({ n: 1, sum: 40, sumSquares: 1600 }, { n: 100, sum: 500, sumSquares: 90_000 })).toBeNull();
    expect(welchTest({ n: 100, sum: 0, sumSquares: 0 }, { n: 100, sum: 0, sumSquares: 0 })).toBeNull();
    expect(welchTest({ n: 10, sum: 5, sumSquares: 1 }, { n: 100, sum: 500, sumSquares: 90_000 })).toBeNull();
  });
});
