import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  betaQuantile,
  clopperPearson,
  normalQuantile,
  regularizedBeta,
  studentTCdf,
  studentTQuantile,
} from '../../../server/experiments/distributions';
import { normalCdf } from '../../../server/experiments/stats';

// Reference values computed with SciPy 1.17 (scipy.stats.norm.ppf, t.cdf, t.ppf, beta.cdf, beta.ppf,
// binomtest(...).proportion_ci(method='exact')).

const close = (actual: number, expected: number, relative: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));
};

describe('normalQuantile', () => {
  it.each([
    [0.975, 1.959963984540054],
    [0.995, 2.5758293035489004],
    [0.9, 1.2815515655446004],
    [0.001, -3.090232306167813],
    [1e-12, -7.034483825301131],
  ])('Φ⁻¹(%d) = %d', (p, expected) => {
    close(normalQuantile(p), expected, 1e-12);
  });

  it('is 0 at ½, infinite at the ends, NaN outside [0, 1]', () => {
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(Number.NaN)).toBeNaN();
  });

  it('inverts normalCdf', () => {
    // Above z ≈ 3, Φ(z) is within 1e-3 of 1, where a double keeps too few digits of 1 − Φ(z) for
    // any inverse to recover z to 1e-8: the lower tail (and symmetry) covers it.
    fc.assert(
      fc.property(fc.double({ min: -8, max: 3, noNaN: true }), (z) => {
        close(normalQuantile(normalCdf(z)), z, 1e-8);
      }),
    );
  });
});

describe('regularizedBeta', () => {
  it.each([
    [0.3, 2, 5, 0.5798250000000003],
    [0.7, 0.5, 0.5, 0.6309898804344546],
    [0.05, 3, 198, 0.9976637058099361],
    [0.999, 50, 2, 0.9987659096068829],
  ])('I_%d(%d, %d) = %d', (x, a, b, expected) => {
    close(regularizedBeta(x, a, b), expected, 1e-12);
  });

  it('satisfies I_x(a, b) = 1 − I_{1−x}(b, a) and the edges', () => {
    fc.assert(
      // x kept away from 0 and 1 so that 1 − x is exact enough for the identity to be testable.
      fc.property(fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), fc.double({ min: 0.1, max: 500, noNaN: true }), fc.double({ min: 0.1, max: 500, noNaN: true }), (x, a, b) => {
        expect(Math.abs(regularizedBeta(x, a, b) + regularizedBeta(1 - x, b, a) - 1)).toBeLessThan(1e-9);
      }),
    );
    expect(regularizedBeta(0, 2, 3)).toBe(0);
    expect(regularizedBeta(1, 2, 3)).toBe(1);
    expect(regularizedBeta(0.5, 0, 3)).toBeNaN();
  });
});

describe('Student t', () => {
  it.each([
    [2, 5, 0.9490302605850708],
    [-1.5, 3.3, 0.11125159835964593],
    [2.5, 1e6, 0.9937902552489184],
    [1, 1, 0.75],
    [0.3, 30, 0.6168769473578236],
    [-4, 2.5, 0.019506487920659125],
  ])('P(T ≤ %d | df %d) = %d', (t, df, expected) => {
    close(studentTCdf(t, df), expected, 1e-10);
  });

  it.each([
    [0.975, 10, 2.228138851986274],
    [0.975, 1, 12.706204736174694],
    [0.025, 3.7, -2.8675207071911903],
    [0.995, 29, 2.756385903670605],
    [0.9, 5841.742032093565, 1.2816965021912616],
  ])('t quantile %d with df %d = %d', (p, df, expected) => {
    close(studentTQuantile(p, df), expected, 1e-9);
  });

  it('quantile and CDF invert each other, and the CDF is symmetric', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), fc.double({ min: 0.5, max: 1e5, noNaN: true }), (p, df) => {
        const t = studentTQuantile(p, df);
        expect(Math.abs(studentTCdf(t, df) - p)).toBeLessThan(1e-9);
        expect(Math.abs(studentTCdf(-t, df) - (1 - p))).toBeLessThan(1e-9);
      }),
    );
  });

  it('approaches the normal as df grows, and is NaN for df ≤ 0', () => {
    expect(Math.abs(studentTQuantile(0.975, 1e9) - 1.959963984540054)).toBeLessThan(1e-9);
    expect(studentTCdf(1, 0)).toBeNaN();
    expect(studentTQuantile(0.5, 7)).toBe(0);
  });
});

describe('betaQuantile and clopperPearson', () => {
  it('match SciPy', () => {
    close(betaQuantile(0.025, 3, 198), 0.003104107621553509, 1e-12);
    close(betaQuantile(0.975, 88, 13), 0.9289269538145705, 1e-12);
  });

  it.each([
    [4, 200, 0.005475565879556446, 0.050413609089896255],
    [87, 100, 0.7879593229125502, 0.9289269538145403],
    [0, 100, 0, 0.03621669264519054],
    [22, 1000, 0.013837414171819514, 0.03311966451498769],
  ])('%i of %i → exact 95 %% interval [%d, %d]', (x, n, lower, upper) => {
    const [lo, hi] = clopperPearson(x, n);
    close(lo, lower, 1e-10);
    close(hi, upper, 1e-10);
  });

  it('0 and n of n have closed forms, and every interval holds x / n', () => {
    // Upper bound of 0/n: 1 − (α/2)^(1/n); lower bound of n/n: (α/2)^(1/n).
    expect(clopperPearson(0, 100)[1]).toBeCloseTo(1 - 0.025 ** (1 / 100), 12);
    const [lo, hi] = clopperPearson(100, 100);
    expect(lo).toBeCloseTo(0.025 ** (1 / 100), 12);
    expect(hi).toBe(1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, share) => {
        const x = Math.round(share * n);
        const [lo, hi] = clopperPearson(x, n);
        expect(lo).toBeLessThanOrEqual(x / n);
        expect(hi).toBeGreaterThanOrEqual(x / n);
      }),
      { numRuns: 50 },
    );
    expect(clopperPearson(1, 0)).toEqual([Number.NaN, Number.NaN]);
  });
});
