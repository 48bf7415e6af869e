import { describe, expect, it } from 'vitest';
import {
  chanceToBeatControl,
  chiSquareIndependence,
  chiSquarePValue,
  erfc,
  lnGamma,
  normalCdf,
  regularizedGammaP,
  regularizedGammaQ,
  sampleRatioMismatch,
  twoProportionTest,
} from '../../../server/experiments/stats';

// Reference values below were computed with SciPy (scipy.stats.norm.cdf, scipy.stats.chi2.sf,
// scipy.stats.chisquare) and Python's math.lgamma.

describe('normalCdf', () => {
  it.each([
    [0, 0.5],
    [1, 0.8413447460685429],
    [-1, 0.15865525393145707],
    [0.5, 0.6914624612740131],
    [-0.25, 0.4012936743170763],
    [1.96, 0.9750021048517795],
    [-1.96, 0.024997895148220435],
    [2.5758293035489004, 0.995],
    [3, 0.9986501019683699],
    [-3, 0.0013498980316300933],
  ])('Φ(%d) = %d to 1e-12', (z, expected) => {
    expect(Math.abs(normalCdf(z) - expected)).toBeLessThan(1e-12);
  });

  it.each([
    [-5, 2.866515718791933e-7],
    [-8, 6.22096057427174e-16],
  ])('keeps relative accuracy in the far tail: Φ(%d) = %d', (z, expected) => {
    expect(Math.abs(normalCdf(z) / expected - 1)).toBeLessThan(1e-9);
  });

  it('is monotone and bounded, with Φ(−z) = 1 − Φ(z)', () => {
    let previous = 0;
    for (let z = -10; z <= 10; z += 0.01) {
      const p = normalCdf(z);
      expect(p).toBeGreaterThanOrEqual(previous);
      expect(p).toBeLessThanOrEqual(1);
      expect(Math.abs(normalCdf(-z) - (1 - p))).toBeLessThan(1e-14);
      previous = p;
    }
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normalCdf(Number.NEGATIVE_INFINITY)).toBe(0);
  });

  it('erfc matches known values', () => {
    expect(erfc(0)).toBe(1);
    expect(Math.abs(erfc(1) - 0.15729920705028513)).toBeLessThan(1e-14);
    expect(Math.abs(erfc(-1) - 1.8427007929497148)).toBeLessThan(1e-14);
  });
});

describe('special functions', () => {
  it.each([
    [0.5, 0.5723649429247004],
    [1, 0],
    [2, 0],
    [10, 12.801827480081467],
    [100.5, 361.4355404677776],
    [1e-3, 6.907178885383854],
  ])('lnΓ(%d) = %d', (x, expected) => {
    expect(Math.abs(lnGamma(x) - expected)).toBeLessThan(1e-12 * Math.max(1, Math.abs(expected)));
  });

  it('P + Q = 1 and the edges are right', () => {
    for (const a of [0.5, 1, 2.5, 10, 50]) {
      for (const x of [0.01, 0.5, 1, 3, 10, 60]) {
        expect(regularizedGammaP(a, x) + regularizedGammaQ(a, x)).toBeCloseTo(1, 12);
      }
    }
    expect(regularizedGammaP(2, 0)).toBe(0);
    expect(regularizedGammaQ(2, 0)).toBe(1);
    // Q(1, x) = e^(−x)
    expect(Math.abs(regularizedGammaQ(1, 3) - Math.exp(-3))).toBeLessThan(1e-15);
    expect(Number.isNaN(regularizedGammaQ(0, 1))).toBe(true);
    expect(Number.isNaN(regularizedGammaQ(1, -1))).toBe(true);
  });
});

describe('chiSquarePValue (χ² upper tail, table values)', () => {
  it.each([
    [3.841, 1, 0.050013683763956804],
    [3.841458820694124, 1, 0.05],
    [9.21, 2, 0.01000170200470548],
    [9.210340371976184, 2, 0.01],
    [11.345, 3, 0.009999384083287103],
    [0.5, 1, 0.47950012218695337],
    [20, 10, 0.029252688076961124],
    [1, 5, 0.9625657732472964],
    [0.001, 4, 0.9999998750416589],
    [50, 40, 0.1335748340856504],
  ])('χ² = %d, df = %i → p = %d', (x, df, expected) => {
    expect(Math.abs(chiSquarePValue(x, df) - expected)).toBeLessThan(1e-12);
  });

  it('keeps relative accuracy for tiny p-values', () => {
    expect(Math.abs(chiSquarePValue(100, 3) / 1.5541594313896026e-21 - 1)).toBeLessThan(1e-9);
  });

  it('df = 2 is exactly e^(−χ²/2)', () => {
    for (const x of [0.1, 1, 5, 13.8]) expect(chiSquarePValue(x, 2)).toBeCloseTo(Math.exp(-x / 2), 14);
  });

  it('χ² = 0 gives p = 1', () => {
    expect(chiSquarePValue(0, 3)).toBe(1);
  });
});

describe('twoProportionTest', () => {
  it('matches a hand-computed example: control 100/1000, variant 130/1000', () => {
    // pc = 0.10, pv = 0.13, pooled p = 230/2000 = 0.115,
    // se = √(0.115 × 0.885 × (1/1000 + 1/1000)) = √0.00020355 = 0.0142671…,
    // z = 0.03 / se = 2.10274…, two-sided p = 2 Φ(−2.10274) = 0.03549…, lift = 0.03 / 0.10 = +30 %.
    const r = twoProportionTest(100, 1000, 130, 1000);
    expect(r.lift).toBeCloseTo(0.3, 12);
    expect(r.z).toBeCloseTo(2.102740605622114, 10);
    expect(r.pValue).toBeCloseTo(0.03548845046647471, 10);
  });

  it('is symmetric: swapping the groups flips z and keeps p', () => {
    const a = twoProportionTest(100, 1000, 130, 1000);
    const b = twoProportionTest(130, 1000, 100, 1000);
    expect(b.z).toBeCloseTo(-(a.z ?? Number.NaN), 12);
    expect(b.pValue).toBeCloseTo(a.pValue ?? Number.NaN, 12);
  });

  it('equal rates give z = 0 and p = 1', () => {
    expect(twoProportionTest(50, 500, 100, 1000)).toEqual({ lift: 0, z: 0, pValue: 1 });
  });

  it('returns null where the test is undefined', () => {
    expect(twoProportionTest(0, 0, 5, 100)).toEqual({ lift: null, z: null, pValue: null });
    expect(twoProportionTest(5, 100, 0, 0)).toEqual({ lift: null, z: null, pValue: null });
    expect(twoProportionTest(0, 100, 0, 100)).toEqual({ lift: null, z: null, pValue: null });
    expect(twoProportionTest(100, 100, 100, 100)).toEqual({ lift: 0, z: null, pValue: null });
    const noControlConversions = twoProportionTest(0, 100, 5, 100);
    expect(noControlConversions.lift).toBeNull();
    expect(noControlConversions.z).not.toBeNull();
    // Invalid counts (conversions above exposures, negatives) are not tested.
    expect(twoProportionTest(11, 10, 5, 100)).toEqual({ lift: null, z: null, pValue: null });
    expect(twoProportionTest(-1, 10, 5, 100)).toEqual({ lift: null, z: null, pValue: null });
  });
});

describe('chanceToBeatControl', () => {
  it('matches the normal approximation and a Monte Carlo of the Beta posteriors', () => {
    // Posteriors Beta(101, 901) and Beta(131, 871). Normal approximation (SciPy): 0.9820434347936663;
    // Monte Carlo with 2,000,000 draws per arm (NumPy): 0.982083.
    const p = chanceToBeatControl(100, 1000, 130, 1000);
    expect(p).toBeCloseTo(0.9820434347936663, 10);
    expect(Math.abs((p ?? 0) - 0.982083)).toBeLessThan(5e-4);
  });

  it('is 0.5 for identical results and complementary when the groups swap', () => {
    expect(chanceToBeatControl(40, 400, 40, 400)).toBeCloseTo(0.5, 14);
    const a = chanceToBeatControl(30, 500, 45, 500) ?? Number.NaN;
    const b = chanceToBeatControl(45, 500, 30, 500) ?? Number.NaN;
    expect(a + b).toBeCloseTo(1, 12);
    expect(a).toBeGreaterThan(0.5);
  });

  it('is null without visitors or with invalid counts', () => {
    expect(chanceToBeatControl(0, 0, 1, 10)).toBeNull();
    expect(chanceToBeatControl(1, 10, 0, 0)).toBeNull();
    expect(chanceToBeatControl(11, 10, 1, 10)).toBeNull();
  });
});

describe('sampleRatioMismatch', () => {
  it('a balanced split shows no mismatch', () => {
    expect(sampleRatioMismatch([5000, 5000], [0.5, 0.5])).toEqual({ chiSquare: 0, pValue: 1, mismatch: false });
    const r = sampleRatioMismatch([2000, 3100, 4900], [0.2, 0.3, 0.5]);
    expect(r.chiSquare).toBeCloseTo(5.333333333333334, 12);
    expect(r.pValue).toBeCloseTo(0.0694834512228015, 12);
    expect(r.mismatch).toBe(false);
  });

  it('a skewed split is flagged (p < 0.001)', () => {
    const r = sampleRatioMismatch([5200, 4800], [0.5, 0.5]);
    expect(r.chiSquare).toBeCloseTo(16, 12);
    expect(r.pValue).toBeCloseTo(6.334248366623988e-5, 15);
    expect(r.mismatch).toBe(true);
  });

  it('accepts relative weights and skips variants with weight 0', () => {
    expect(sampleRatioMismatch([5200, 4800], [1, 1])).toEqual(sampleRatioMismatch([5200, 4800], [0.5, 0.5]));
    expect(sampleRatioMismatch([5200, 123, 4800], [1, 0, 1])).toEqual(sampleRatioMismatch([5200, 4800], [1, 1]));
  });

  it('has nothing to test with no visitors or a single weighted variant', () => {
    expect(sampleRatioMismatch([0, 0], [0.5, 0.5])).toEqual({ chiSquare: 0, pValue: 1, mismatch: false });
    expect(sampleRatioMismatch([10, 20], [1, 0])).toEqual({ chiSquare: 0, pValue: 1, mismatch: false });
  });

  it('rejects mismatched lengths', () => {
    expect(() => sampleRatioMismatch([1, 2, 3], [0.5, 0.5])).toThrow(RangeError);
  });
});

describe('chiSquareIndependence', () => {
  it('matches a hand-computed 2 × 2 table', () => {
    // [[10, 20], [30, 40]]: expected [[12, 18], [28, 42]];
    // χ² = 4/12 + 4/18 + 4/28 + 4/42 = 0.79365…, df = 1, p = 0.37300… (scipy chi2_contingency, no correction).
    const r = chiSquareIndependence([
      [10, 20],
      [30, 40],
    ]);
    expect(r.df).toBe(1);
    expect(r.chiSquare).toBeCloseTo(4 / 12 + 4 / 18 + 4 / 28 + 4 / 42, 12);
    expect(r.pValue).toBeCloseTo(0.37299848, 7);
  });

  it('drops empty rows and columns', () => {
    const r = chiSquareIndependence([
      [10, 0, 20],
      [0, 0, 0],
      [30, 0, 40],
    ]);
    expect(r.df).toBe(1);
    expect(r.pValue).toBeCloseTo(0.37299848, 7);
    expect(chiSquareIndependence([[5, 6]])).toEqual({ chiSquare: 0, df: 0, pValue: 1 });
  });
});
