import { describe, expect, it } from 'vitest';
import {
  assign,
  bucketOf,
  bucketRanges,
  chooseVariant,
  normaliseWeights,
  type BucketRange,
} from '../../../server/experiments/assign';
import { chiSquareIndependence, sampleRatioMismatch } from '../../../server/experiments/stats';
import type { Experiment } from '../../../server/experiments/types';
import { readVisitorId } from '../../../server/visitor-id';

function experiment(id: string, weights: number[], coverage = 1, extra: Partial<Experiment> = {}): Experiment {
  return {
    id,
    coverage,
    status: 'running',
    variants: weights.map((weight, i) => ({ id: `v${i}`, weight, offer: i === 0 ? null : `offer-${i}` })),
    ...extra,
  };
}

/**
 * n random UUID v4s from a seeded generator (xorshift128+ via two 32-bit halves is overkill here:
 * mulberry32 is enough for ids). Seeded so the statistical assertions below are reproducible:
 * a chi-square test at p > 0.001 would otherwise fail in one run out of a thousand by design.
 */
function uuids(n: number, seed = 0x5eed): string[] {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const hex = (x: number, len: number): string => x.toString(16).padStart(8, '0').slice(0, len);
  return Array.from({ length: n }, () => {
    const [w0, w1, w2, w3] = [next(), next(), next(), next()];
    const variant = ((w2 >>> 28) & 0x3) | 0x8;
    return `${hex(w0, 8)}-${hex(w1, 4)}-4${hex(w1 >>> 4, 7).slice(4, 7)}-${variant.toString(16)}${hex(w2, 3)}-${hex(w3, 8)}${hex(w2 >>> 12, 4)}`;
  });
}

/** Index of the assigned variant, or -1 when not enrolled. */
function variantIndex(exp: Experiment, visitorId: string): number {
  const a = assign(exp, visitorId);
  return a ? exp.variants.findIndex((v) => v.id === a.variantId) : -1;
}

describe('bucketRanges (GrowthBook getBucketRanges vectors)', () => {
  // Copied from growthbook/growthbook, packages/sdk-js/test/cases.json, key "getBucketRange"
  // (commit 0cf0a65f719576bd4772a8986a9934266a0cb76d): [name, [numVariations, coverage, weights|null], ranges].
  // Where GrowthBook passes weights null it uses equal weights; our API always takes weights, so
  // null becomes the equal split. "weights.length not equal to num variations" has no analogue here
  // (the length is the number of variants by construction) and is omitted.
  const cases: Array<[string, [number, number, number[] | null], BucketRange[]]> = [
    ['normal 50/50', [2, 1, null], [[0, 0.5], [0.5, 1]]],
    ['reduced coverage', [2, 0.5, null], [[0, 0.25], [0.5, 0.75]]],
    ['zero coverage', [2, 0, null], [[0, 0], [0.5, 0.5]]],
    ['4 variations', [4, 1, null], [[0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 1]]],
    ['uneven weights', [2, 1, [0.4, 0.6]], [[0, 0.4], [0.4, 1]]],
    ['uneven weights, 3 variations', [3, 1, [0.2, 0.3, 0.5]], [[0, 0.2], [0.2, 0.5], [0.5, 1]]],
    ['uneven weights, reduced coverage, 3 variations', [3, 0.2, [0.2, 0.3, 0.5]], [[0, 0.04], [0.2, 0.26], [0.5, 0.6]]],
    ['negative coverage', [2, -0.2, null], [[0, 0], [0.5, 0.5]]],
    ['coverage above 1', [2, 1.5, null], [[0, 0.5], [0.5, 1]]],
    ['weights sum below 1', [2, 1, [0.4, 0.1]], [[0, 0.5], [0.5, 1]]],
    ['weights sum above 1', [2, 1, [0.7, 0.6]], [[0, 0.5], [0.5, 1]]],
    ['weights sum almost equals 1', [2, 1, [0.4, 0.5999]], [[0, 0.4], [0.4, 0.9999]]],
  ];

  it.each(cases)('%s', (_name, [n, coverage, weights], expected) => {
    const ranges = bucketRanges(weights ?? new Array<number>(n).fill(1 / n), coverage);
    expect(ranges).toHaveLength(expected.length);
    ranges.forEach(([start, end], i) => {
      // GrowthBook's own test compares after rounding to 6 decimals (0.2 × 0.2 is 0.04000000000000001).
      expect(start).toBeCloseTo(expected[i]?.[0] ?? Number.NaN, 9);
      expect(end).toBeCloseTo(expected[i]?.[1] ?? Number.NaN, 9);
    });
  });

  it('treats a non-finite coverage as 0 (enrols nobody)', () => {
    expect(bucketRanges([0.5, 0.5], Number.NaN)).toEqual([[0, 0], [0.5, 0.5]]);
  });
});

describe('chooseVariant (GrowthBook chooseVariation vectors)', () => {
  // Copied from growthbook/growthbook, packages/sdk-js/test/cases.json, key "chooseVariation"
  // (same commit): [name, n, ranges, expected index].
  const cases: Array<[string, number, BucketRange[], number]> = [
    ['even range, 0.2', 0.2, [[0, 0.5], [0.5, 1]], 0],
    ['even range, 0.4', 0.4, [[0, 0.5], [0.5, 1]], 0],
    ['even range, 0.6', 0.6, [[0, 0.5], [0.5, 1]], 1],
    ['even range, 0.8', 0.8, [[0, 0.5], [0.5, 1]], 1],
    ['even range, 0', 0, [[0, 0.5], [0.5, 1]], 0],
    ['even range, 0.5', 0.5, [[0, 0.5], [0.5, 1]], 1],
    ['reduced range, 0.2', 0.2, [[0, 0.25], [0.5, 0.75]], 0],
    ['reduced range, 0.4', 0.4, [[0, 0.25], [0.5, 0.75]], -1],
    ['reduced range, 0.6', 0.6, [[0, 0.25], [0.5, 0.75]], 1],
    ['reduced range, 0.8', 0.8, [[0, 0.25], [0.5, 0.75]], -1],
    ['reduced range, 0.25', 0.25, [[0, 0.25], [0.5, 0.75]], -1],
    ['reduced range, 0.5', 0.5, [[0, 0.25], [0.5, 0.75]], 1],
    ['zero range', 0.5, [[0, 0.5], [0.5, 0.5], [0.5, 1]], 2],
  ];

  it.each(cases)('%s', (_name, n, ranges, expected) => {
    expect(chooseVariant(n, ranges)).toBe(expected);
  });
});

describe('assign', () => {
  // End-to-end vectors from growthbook/growthbook, packages/sdk-js/test/cases.json, key "run":
  // "Uses seed and hash version", "Uses seed with default weights/coverage" and "Uses seed with
  // weights/coverage" (key "key", seed "foo", hashVersion 2, id "1") all give variation 1.
  it.each([
    ['default 50/50, coverage 1', [0.5, 0.5], 1],
    ['50/50, coverage 0.99', [0.5, 0.5], 0.99],
    ['relative weights 1:1', [1, 1], 1],
  ])('GrowthBook run vector (%s): seed "foo", id "1" → variation 1', (_name, weights, coverage) => {
    const exp = experiment('key', weights, coverage, { seed: 'foo' });
    expect(assign(exp, '1')).toEqual({ experimentId: 'key', variantId: 'v1', offerId: 'offer-1' });
  });

  it('GrowthBook "creates experiments properly": seed "feature", id "123", 10/90 → variation 1, bucket 0.5231', () => {
    const exp = experiment('hello', [0.1, 0.9], 0.99, { seed: 'feature' });
    expect(bucketOf(exp, '123')).toBe(0.5231);
    expect(assign(exp, '123')?.variantId).toBe('v1');
  });

  it('uses the id as the seed when none is given', () => {
    const withSeed = experiment('other-id', [0.5, 0.5], 1, { seed: 'checkout-offer' });
    const withoutSeed = experiment('checkout-offer', [0.5, 0.5]);
    for (const id of uuids(200)) expect(bucketOf(withSeed, id)).toBe(bucketOf(withoutSeed, id));
  });

  it('is sticky: the same visitor gets the same variant on every call and from separately built configs', () => {
    const ids = uuids(2000);
    const first = experiment('sticky', [0.2, 0.3, 0.5], 0.9);
    const second: Experiment = JSON.parse(JSON.stringify(first)) as Experiment;
    for (const id of ids) {
      const a = assign(first, id);
      expect(assign(first, id)).toEqual(a);
      expect(assign(second, id)).toEqual(a);
      expect(assign(experiment('sticky', [0.2, 0.3, 0.5], 0.9), id)).toEqual(a);
    }
  });

  it('carries the control (offer null) through', () => {
    const exp = experiment('ctl', [1, 0]);
    const a = assign(exp, crypto.randomUUID());
    expect(a).toEqual({ experimentId: 'ctl', variantId: 'v0', offerId: null });
  });

  it('returns null when the experiment is stopped', () => {
    const exp = experiment('stopped', [0.5, 0.5], 1, { status: 'stopped' });
    for (const id of uuids(100)) expect(assign(exp, id)).toBeNull();
  });

  it('returns null with coverage 0, no variants, or no positive weight', () => {
    const id = crypto.randomUUID();
    expect(assign(experiment('c0', [0.5, 0.5], 0), id)).toBeNull();
    expect(assign(experiment('none', []), id)).toBeNull();
    expect(assign(experiment('zero', [0, 0]), id)).toBeNull();
  });

  it('never assigns a variant with weight 0', () => {
    const exp = experiment('w0', [0.5, 0, 0.5]);
    for (const id of uuids(5000)) expect(variantIndex(exp, id)).not.toBe(1);
  });

  it('normalises relative weights and uses weights that already sum to 1 verbatim', () => {
    expect(normaliseWeights([1, 1])).toEqual([0.5, 0.5]);
    expect(normaliseWeights([20, 30, 50])).toEqual([0.2, 0.3, 0.5]);
    expect(normaliseWeights([0.2, 0.3, 0.5])).toEqual([0.2, 0.3, 0.5]);
    expect(normaliseWeights([1, -1, Number.NaN])).toEqual([1, 0, 0]);
    expect(normaliseWeights([0, 0])).toBeNull();
    const ids = uuids(1000);
    const fractions = experiment('rel', [0.2, 0.3, 0.5]);
    const percents = experiment('rel', [20, 30, 50]);
    for (const id of ids) expect(assign(percents, id)).toEqual(assign(fractions, id));
  });

  it('raising coverage never moves an enrolled visitor to another variant', () => {
    const ids = uuids(20_000);
    const coverages = [0.1, 0.3, 0.5, 0.8, 1];
    const runs = coverages.map((c) => ids.map((id) => variantIndex(experiment('cov', [0.2, 0.3, 0.5], c), id)));
    for (let k = 1; k < runs.length; k++) {
      const before = runs[k - 1] ?? [];
      const after = runs[k] ?? [];
      let enrolledBefore = 0;
      let enrolledAfter = 0;
      ids.forEach((_id, i) => {
        const b = before[i] ?? -1;
        const a = after[i] ?? -1;
        if (b >= 0) {
          enrolledBefore++;
          expect(a).toBe(b);
        }
        if (a >= 0) enrolledAfter++;
      });
      expect(enrolledAfter).toBeGreaterThan(enrolledBefore);
    }
  });

  it('changing weights moves only visitors between the old and new boundary; a new seed reshuffles', () => {
    const ids = uuids(20_000);
    const before = experiment('move', [0.5, 0.5]);
    const reweighted = experiment('move', [0.4, 0.6]);
    const reseeded = experiment('move', [0.5, 0.5], 1, { seed: 'move-v2' });
    let moved = 0;
    let reshuffled = 0;
    for (const id of ids) {
      const b = variantIndex(before, id);
      const r = variantIndex(reweighted, id);
      if (r !== b) {
        moved++;
        // Only the slice [0.4, 0.5) changes hands, from the first variant to the second.
        expect(b).toBe(0);
        expect(r).toBe(1);
        const n = bucketOf(before, id);
        expect(n).toBeGreaterThanOrEqual(0.4);
        expect(n).toBeLessThan(0.5);
      }
      if (variantIndex(reseeded, id) !== b) reshuffled++;
    }
    expect(Math.abs(moved / ids.length - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(reshuffled / ids.length - 0.5)).toBeLessThan(0.02);
  });
});

describe('the seeded visitor ids used below', () => {
  it('are distinct UUID v4s', () => {
    const ids = uuids(10_000);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => readVisitorId(id).kind === 'valid')).toBe(true);
  });
});

describe('assignment over 100,000 random visitor ids', () => {
  const N = 100_000;
  const ids = uuids(N);

  function shares(exp: Experiment): { counts: number[]; notEnrolled: number } {
    const counts = new Array<number>(exp.variants.length).fill(0);
    let notEnrolled = 0;
    for (const id of ids) {
      const i = variantIndex(exp, id);
      if (i < 0) notEnrolled++;
      else counts[i] = (counts[i] ?? 0) + 1;
    }
    return { counts, notEnrolled };
  }

  const pct = (x: number): string => `${((100 * x) / N).toFixed(2)} %`;

  it.each([
    ['50/50', [0.5, 0.5], 1],
    ['20/30/50', [0.2, 0.3, 0.5], 1],
    ['50/50 at coverage 0.8', [0.5, 0.5], 0.8],
    ['20/30/50 at coverage 0.8', [0.2, 0.3, 0.5], 0.8],
  ])('%s: each variant gets coverage × weight of all visitors, ±1 point', (name, weights, coverage) => {
    const exp = experiment(`share-${name}`, weights, coverage);
    const { counts, notEnrolled } = shares(exp);
    weights.forEach((w, i) => {
      const share = (counts[i] ?? 0) / N;
      expect(Math.abs(share - coverage * w)).toBeLessThan(0.01);
    });
    expect(Math.abs(notEnrolled / N - (1 - coverage))).toBeLessThan(0.01);
    const srm = sampleRatioMismatch(counts, weights);
    console.log(
      `[bucketing] ${name}: expected ${weights.map((w) => `${(100 * coverage * w).toFixed(1)} %`).join(' / ')}` +
        `${coverage < 1 ? ` (+ ${(100 * (1 - coverage)).toFixed(1)} % not enrolled)` : ''}; ` +
        `measured ${counts.map(pct).join(' / ')}${coverage < 1 ? ` (+ ${pct(notEnrolled)} not enrolled)` : ''}; ` +
        `SRM χ² = ${srm.chiSquare.toFixed(3)}, p = ${srm.pValue.toFixed(3)}`,
    );
  });

  it('two experiments assign independently of each other (χ² test of independence, p > 0.001)', () => {
    const a = experiment('indep-a', [0.5, 0.5]);
    const b = experiment('indep-b', [0.2, 0.3, 0.5], 0.8);
    // Rows: A's variant; columns: B's variant, plus a column for "not enrolled in B".
    const table = [0, 1].map(() => new Array<number>(4).fill(0));
    for (const id of ids) {
      const i = variantIndex(a, id);
      const j = variantIndex(b, id);
      const row = table[i];
      if (!row) throw new Error('A enrols everyone');
      const col = j < 0 ? 3 : j;
      row[col] = (row[col] ?? 0) + 1;
    }
    const result = chiSquareIndependence(table);
    console.log(
      `[bucketing] independence of "indep-a" (50/50) and "indep-b" (20/30/50, coverage 0.8) over ${N} ids: ` +
        `table ${JSON.stringify(table)}, χ² = ${result.chiSquare.toFixed(3)}, df = ${result.df}, p = ${result.pValue.toFixed(3)}`,
    );
    expect(result.df).toBe(3);
    expect(result.pValue).toBeGreaterThan(0.001);
  });

  it('the independence test does detect dependence (same seed twice)', () => {
    const a = experiment('dep', [0.5, 0.5]);
    const b = experiment('dep-copy', [0.5, 0.5], 1, { seed: 'dep' });
    const table = [
      [0, 0],
      [0, 0],
    ];
    for (const id of ids.slice(0, 10_000)) {
      const row = table[variantIndex(a, id)];
      const j = variantIndex(b, id);
      if (row) row[j] = (row[j] ?? 0) + 1;
    }
    expect(chiSquareIndependence(table).pValue).toBeLessThan(1e-10);
  });
});
