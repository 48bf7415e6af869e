import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  averageOrderValue,
  compare,
  conversionSummary,
  intervalAround,
  isValidSummary,
  meanOf,
  varianceOf,
  type ArmSummary,
} from '../../../server/experiments/estimates';

const summaryOf = (xs: readonly number[]): ArmSummary => ({
  n: xs.length,
  sum: xs.reduce((a, b) => a + b, 0),
  sumSquares: xs.reduce((a, b) => a + b * b, 0),
});

describe('arm summaries', () => {
  it('a conversion count is a 0/1 outcome per visitor', () => {
    expect(conversionSummary(1000, 50)).toEqual({ n: 1000, sum: 50, sumSquares: 50 });
    expect(meanOf(conversionSummary(1000, 50))).toBe(0.05);
    // Sample variance of 50 ones and 950 zeros: p(1 − p) n/(n − 1) = 0.0475 × 1000/999.
    expect(varianceOf(conversionSummary(1000, 50))).toBeCloseTo((0.05 * 0.95 * 1000) / 999, 15);
  });

  it('mean and variance agree with the definitions on raw data', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 2, maxLength: 60 }), (xs) => {
        const s = summaryOf(xs);
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
        expect(meanOf(s)).toBeCloseTo(mean, 8);
        expect(Math.abs((varianceOf(s) ?? Number.NaN) - variance)).toBeLessThanOrEqual(1e-9 * Math.max(1, s.sumSquares));
      }),
    );
  });

  it('has no mean without visitors and no variance below two', () => {
    expect(meanOf({ n: 0, sum: 0, sumSquares: 0 })).toBeNull();
    expect(varianceOf({ n: 1, sum: 5, sumSquares: 25 })).toBeNull();
    expect(varianceOf({ n: 3, sum: 3, sumSquares: 3 })).toBe(0);
  });

  it('rejects summaries no data could produce', () => {
    expect(isValidSummary({ n: 10, sum: 5, sumSquares: 1 })).toBe(false); // Σx² < (Σx)²/n
    expect(isValidSummary({ n: 1.5, sum: 1, sumSquares: 1 })).toBe(false);
    expect(isValidSummary({ n: -1, sum: 0, sumSquares: 0 })).toBe(false);
    expect(isValidSummary({ n: 0, sum: 3, sumSquares: 9 })).toBe(false);
    expect(isValidSummary({ n: 5, sum: Number.NaN, sumSquares: 1 })).toBe(false);
    expect(meanOf({ n: 10, sum: 5, sumSquares: 1 })).toBeNull();
  });
});

describe('compare', () => {
  it('gives the difference with Welch variance and the delta-method lift variance', () => {
    // Control 100/1000, treatment 130/1000: V = s²/n per arm with s² = p(1 − p) n/(n − 1).
    const c = compare(conversionSummary(1000, 100), conversionSummary(1000, 130));
    const vc = (0.1 * 0.9) / 999;
    const vt = (0.13 * 0.87) / 999;
    expect(c?.difference).toBeCloseTo(0.03, 15);
    expect(c?.differenceVariance).toBeCloseTo(vc + vt, 15);
    expect(c?.lift).toBeCloseTo(0.3, 14);
    expect(c?.liftVariance).toBeCloseTo(vt / 0.01 + (0.13 ** 2 * vc) / 0.1 ** 4, 14);
  });

  it('matches GrowthBook gbstats: SampleMeanStatistic fixtures, standard errors of both effects', () => {
    // packages/stats/tests/frequentist/test_tests.py, test_two_sided_ttest(_absolute):
    // absolute SE 0.12478, relative SE 0.37879, lift (0.7 − 0.41) / 0.41.
    const c = compare({ n: 3407, sum: 1396.87, sumSquares: 52377.9767 }, { n: 3461, sum: 2422.7, sumSquares: 134698.29 });
    expect(Math.sqrt(c?.differenceVariance ?? 0)).toBeCloseTo(0.12478, 5);
    expect(Math.sqrt(c?.liftVariance ?? 0)).toBeCloseTo(0.37879, 5);
    expect(c?.lift).toBeCloseTo(0.70732, 5);
  });

  it('has no lift when control converts nobody, and nothing below two visitors per arm', () => {
    const c = compare(conversionSummary(500, 0), conversionSummary(500, 5));
    expect(c?.difference).toBeCloseTo(0.01, 15);
    expect(c?.lift).toBeNull();
    expect(c?.liftVariance).toBeNull();
    expect(compare(conversionSummary(1, 1), conversionSummary(100, 5))).toBeNull();
    expect(compare(conversionSummary(0, 0), conversionSummary(100, 5))).toBeNull();
  });

  it('swapping the arms negates the difference and keeps its variance', () => {
    const arm = fc.integer({ min: 2, max: 10_000 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n })));
    fc.assert(
      fc.property(arm, arm, ([nc, cc], [nt, ct]) => {
        const ab = compare(conversionSummary(nc, cc), conversionSummary(nt, ct));
        const ba = compare(conversionSummary(nt, ct), conversionSummary(nc, cc));
        expect(ba?.difference).toBeCloseTo(-(ab?.difference ?? 0), 14);
        expect(ba?.differenceVariance).toBeCloseTo(ab?.differenceVariance ?? 0, 14);
      }),
    );
  });
});

describe('averageOrderValue and intervalAround', () => {
  it('AOV is revenue per order, null without orders', () => {
    expect(averageOrderValue(4, 200)).toBe(50);
    expect(averageOrderValue(0, 0)).toBeNull();
    expect(averageOrderValue(3, Number.NaN)).toBeNull();
  });

  it('an interval is the estimate ± multiplier standard errors', () => {
    expect(intervalAround(1, 4, 1.5)).toEqual({ lower: -2, upper: 4 });
  });
});
