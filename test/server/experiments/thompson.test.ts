import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../server/experiments/rng';
import {
  applyFloor,
  DEFAULT_THOMPSON_DRAWS,
  REALLOCATION_INTERVAL_MS,
  shouldReallocate,
  thompsonWeights,
  type BanditArm,
} from '../../../server/experiments/thompson';

const arms = (...counts: Array<[number, number]>): BanditArm[] => counts.map(([exposures, conversions]) => ({ exposures, conversions }));

/**
 * Monte Carlo tolerance: 5 standard deviations of a share estimated from `draws` draws,
 * √(p(1 − p) / draws). A correct implementation misses it with probability below 1e-6 per check,
 * and the seeds are fixed, so these tests are deterministic.
 */
const mcTolerance = (p: number, draws = DEFAULT_THOMPSON_DRAWS): number => 5 * Math.sqrt((p * (1 - p)) / draws);

describe('applyFloor', () => {
  it('raises small weights to the floor and takes the mass from the others in proportion', () => {
    const w = applyFloor([0.995, 0.005, 0], 0.01);
    expect(w[0]).toBeCloseTo(0.98, 15);
    expect(w[1]).toBeCloseTo(0.01, 15);
    expect(w[2]).toBeCloseTo(0.01, 15);
    // Water-filling: after the first round [0.6, 0.3, 0.1] with floor 0.2 → [0.5333, 0.2667, 0.2].
    const v = applyFloor([0.6, 0.3, 0.1], 0.2);
    expect(v[0]).toBeCloseTo(0.8 * (2 / 3), 14);
    expect(v[1]).toBeCloseTo(0.8 / 3, 14);
    expect(v[2]).toBeCloseTo(0.2, 14);
  });

  it('leaves weights above the floor alone', () => {
    expect(applyFloor([0.5, 0.5], 0.01)).toEqual([0.5, 0.5]);
  });

  it('gives equal weights when floors take everything or nothing is positive', () => {
    expect(applyFloor([0.9, 0.1], 0.5)).toEqual([0.5, 0.5]);
    expect(applyFloor([0, Number.NaN, -1], 0.01)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(applyFloor([], 0.01)).toEqual([]);
  });

  it('always sums to 1, respects the floor and keeps the order of the weights', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }), fc.double({ min: 0, max: 0.08, noNaN: true }), (raw, floor) => {
        const w = applyFloor(raw, floor);
        expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        for (const x of w) expect(x).toBeGreaterThanOrEqual(floor - 1e-12);
        for (let i = 0; i < raw.length; i++) {
          for (let j = 0; j < raw.length; j++) {
            if ((raw[i] ?? 0) > (raw[j] ?? 0)) expect(w[i] ?? 0).toBeGreaterThanOrEqual((w[j] ?? 0) - 1e-12);
          }
        }
      }),
    );
  });
});

describe('thompsonWeights', () => {
  it('two arms: the weight is P(θ₂ > θ₁) under Beta(1 + c, 1 + n − c) posteriors', () => {
    // 100/1000 vs 130/1000: P = 0.982165 by numerical integration (SciPy quad of f₂ · F₁).
    const w = thompsonWeights(arms([1000, 100], [1000, 130]), seededRandom('two-arms'));
    expect(Math.abs((w[1] ?? 0) - 0.982165)).toBeLessThan(mcTolerance(0.982165));
    expect((w[0] ?? 0) + (w[1] ?? 0)).toBeCloseTo(1, 14);
  });

  it('three arms: each weight is the probability of being best', () => {
    // 40, 50, 60 conversions per 1,000: P(best) = 0.011930, 0.161047, 0.827023 (SciPy quad of
    // f_k · Π_{j≠k} F_j). The first is within a few Monte Carlo s.d. of the 1 % floor.
    const w = thompsonWeights(arms([1000, 40], [1000, 50], [1000, 60]), seededRandom('three-arms'));
    expect(Math.abs((w[1] ?? 0) - 0.161047)).toBeLessThan(mcTolerance(0.161047));
    expect(Math.abs((w[2] ?? 0) - 0.827023)).toBeLessThan(mcTolerance(0.827023));
    expect(w[0] ?? 0).toBeGreaterThanOrEqual(0.01);
  });

  it('without data every arm is equally likely to be best', () => {
    const w = thompsonWeights(arms([0, 0], [0, 0], [0, 0]), seededRandom('no-data'));
    for (const x of w) expect(Math.abs(x - 1 / 3)).toBeLessThan(mcTolerance(1 / 3));
  });

  it('a clear winner takes all but the 1 % floor of each other arm', () => {
    const w = thompsonWeights(arms([5000, 100], [5000, 400], [5000, 150]), seededRandom('winner'));
    expect(w[0]).toBeCloseTo(0.01, 12);
    expect(w[2]).toBeCloseTo(0.01, 12);
    expect(w[1]).toBeCloseTo(0.98, 12);
  });

  it('is deterministic for a seed, and another seed gives other Monte Carlo noise', () => {
    const counts = arms([300, 12], [300, 15], [300, 18]);
    expect(thompsonWeights(counts, seededRandom('x:900000'))).toEqual(thompsonWeights(counts, seededRandom('x:900000')));
    expect(thompsonWeights(counts, seededRandom('x:1800000'))).not.toEqual(thompsonWeights(counts, seededRandom('x:900000')));
  });

  it('one arm takes everything; no arm gives nothing', () => {
    expect(thompsonWeights(arms([100, 5]), seededRandom(1))).toEqual([1]);
    expect(thompsonWeights([], seededRandom(1))).toEqual([]);
  });

  it('an arm where everyone converted is handled (Beta(1 + n, 1))', () => {
    const w = thompsonWeights(arms([50, 50], [50, 25]), seededRandom('all'), { draws: 2000 });
    expect(w[0]).toBeCloseTo(0.99, 12);
  });

  it('weights sum to 1 and respect the floor for any counts', () => {
    const arm = fc.integer({ min: 0, max: 5000 }).chain((n) => fc.record({ exposures: fc.constant(n), conversions: fc.integer({ min: 0, max: n }) }));
    fc.assert(
      fc.property(fc.array(arm, { minLength: 2, maxLength: 6 }), fc.integer(), (counts, seed) => {
        const w = thompsonWeights(counts, seededRandom(seed), { draws: 200 });
        expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        for (const x of w) expect(x).toBeGreaterThanOrEqual(0.01 - 1e-12);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses impossible counts and a non-positive number of draws', () => {
    expect(() => thompsonWeights(arms([10, 11], [10, 1]), seededRandom(1))).toThrow(RangeError);
    expect(() => thompsonWeights(arms([10, -1], [10, 1]), seededRandom(1))).toThrow(RangeError);
    expect(() => thompsonWeights(arms([10, 1], [10, 1]), seededRandom(1), { draws: 0 })).toThrow(RangeError);
  });

  describe('on revenue', () => {
    // Both arms convert 5 % of 4,000 visitors (200 orders); orders are worth 40 ± 10 in the first
    // arm and 60 ± 10 in the second: on conversion they tie, on revenue the second is far ahead.
    const orders = (mean: number, sd: number, n: number): { revenue: number; revenueSquares: number } => ({
      revenue: mean * n,
      revenueSquares: n * (sd * sd * ((n - 1) / n) + mean * mean),
    });
    const tied: BanditArm[] = [
      { exposures: 4000, conversions: 200, ...orders(40, 10, 200) },
      { exposures: 4000, conversions: 200, ...orders(60, 10, 200) },
    ];

    it('favours the arm whose buyers spend more, where conversion alone sees a tie', () => {
      const byConversion = thompsonWeights(tied, seededRandom('rev'));
      const byRevenue = thompsonWeights(tied, seededRandom('rev'), { metric: 'revenue' });
      expect(Math.abs((byConversion[1] ?? 0) - 0.5)).toBeLessThan(mcTolerance(0.5));
      expect(byRevenue[1]).toBeGreaterThan(0.95);
    });

    it('without orders anywhere it is the conversion metric', () => {
      const w = thompsonWeights(arms([400, 0], [400, 0]), seededRandom('rev-none'), { metric: 'revenue' });
      expect(Math.abs((w[0] ?? 0) - 0.5)).toBeLessThan(mcTolerance(0.5));
    });

    it('an arm with fewer than two orders borrows the order-value spread of all arms', () => {
      // One order has no spread of its own; with the pooled one, 1 buyer in 4,000 is clearly behind.
      const w = thompsonWeights(
        [
          { exposures: 4000, conversions: 1, revenue: 50, revenueSquares: 2500 },
          { exposures: 4000, conversions: 200, ...orders(50, 10, 200) },
        ],
        seededRandom('rev-borrow'),
        { metric: 'revenue' },
      );
      expect(w[1]).toBeCloseTo(0.99, 12);
    });
  });
});

describe('shouldReallocate', () => {
  const t0 = Date.UTC(2026, 0, 1);
  it('recomputes at the first chance and then at most every 15 minutes', () => {
    expect(REALLOCATION_INTERVAL_MS).toBe(15 * 60_000);
    expect(shouldReallocate(null, t0)).toBe(true);
    expect(shouldReallocate(t0, t0)).toBe(false);
    expect(shouldReallocate(t0, t0 + 15 * 60_000 - 1)).toBe(false);
    expect(shouldReallocate(t0, t0 + 15 * 60_000)).toBe(true);
    expect(shouldReallocate(t0, t0 + 6 * 3_600_000)).toBe(true);
  });

  it('keeps weights when the clock steps back a little, recomputes when the last time is far ahead', () => {
    expect(shouldReallocate(t0, t0 - 60_000)).toBe(false);
    expect(shouldReallocate(t0, t0 - 16 * 60_000)).toBe(true);
    expect(shouldReallocate(Number.NaN, t0)).toBe(true);
  });

  it('takes another interval', () => {
    expect(shouldReallocate(t0, t0 + 60_000, 60_000)).toBe(true);
    expect(shouldReallocate(t0, t0 + 59_999, 60_000)).toBe(false);
  });
});
