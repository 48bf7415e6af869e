import { describe, expect, it } from 'vitest';
import { fnv32a, hash, HASH_VERSION } from '../../../server/experiments/hash';

describe('fnv32a', () => {
  // Reference FNV-1a 32-bit values (the FNV authors' test suite, isthe.com/chongo/tech/comp/fnv).
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('fnv32a(%j) = the reference value', (input, expected) => {
    expect(fnv32a(input)).toBe(expected);
  });

  // growthbook/growthbook, packages/sdk-js/test/cases/fnv.json: [input, fnv32a(input) % 1000].
  it.each([
    ['a', 220],
    ['b', 77],
    ['ab', 946],
    ['def', 652],
    ['8952klfjas09ujkasdf', 549],
    ['123', 11],
    ['___)((*":&', 563],
  ])('fnv32a(%j) %% 1000 = %i (GrowthBook fnv.json)', (input, expected) => {
    expect(fnv32a(input) % 1000).toBe(expected);
  });

  it('hashes UTF-16 code units and always returns an unsigned 32-bit integer', () => {
    for (const s of ['é', '😀', 'x'.repeat(1000), '\u0000']) {
      const h = fnv32a(s);
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 32);
    }
    // '😀' is two code units; hashing them one by one must give the same value.
    expect(fnv32a('😀')).toBe(fnv32a('\ud83d\ude00'));
  });
});

describe('hash (GrowthBook)', () => {
  // Copied verbatim from growthbook/growthbook, packages/sdk-js/test/cases.json, key "hash"
  // (commit 0cf0a65f719576bd4772a8986a9934266a0cb76d): [seed, value, version, expected].
  const cases: Array<[string, string, number, number | null]> = [
    ['', 'a', 1, 0.22],
    ['', 'b', 1, 0.077],
    ['b', 'a', 1, 0.946],
    ['ef', 'd', 1, 0.652],
    ['asdf', '8952klfjas09ujk', 1, 0.549],
    ['', '123', 1, 0.011],
    ['', '___)((*":&', 1, 0.563],
    ['seed', 'a', 2, 0.0505],
    ['seed', 'b', 2, 0.2696],
    ['foo', 'ab', 2, 0.2575],
    ['foo', 'def', 2, 0.2019],
    ['89123klj', '8952klfjas09ujkasdf', 2, 0.124],
    ['90850943850283058242805', '123', 2, 0.7516],
    ['()**(%$##$%#$#', '___)((*":&', 2, 0.0128],
    ['abc', 'def', 99, null],
  ];

  it.each(cases)('hash(%j, %j, v%i) = %s', (seed, value, version, expected) => {
    expect(hash(seed, value, version)).toBe(expected);
  });

  // Buckets quoted in the same cases.json's "feature" cases ("empty experiment rule - a/b/c" use
  // the default hash v1 with the feature key as seed; "creates experiments properly" uses v2).
  it.each([
    ['feature', '123', 1, 0.863],
    ['feature', '456', 1, 0.178],
    ['feature', 'fds', 1, 0.514],
    ['feature', '123', 2, 0.5231],
  ])('hash(%j, %j, v%i) = %s (GrowthBook feature-case buckets)', (seed, value, version, expected) => {
    expect(hash(seed, value, version)).toBe(expected);
  });

  it('uses v2 and always lands in [0, 1) with at most four decimals', () => {
    expect(HASH_VERSION).toBe(2);
    for (let i = 0; i < 2000; i++) {
      const n = hash('exp', crypto.randomUUID(), 2);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(1);
      expect(Math.round(n * 10000)).toBeCloseTo(n * 10000, 6);
    }
  });

  it('is pure: the same input always gives the same bucket', () => {
    const id = crypto.randomUUID();
    expect(hash('seed', id, 2)).toBe(hash('seed', id, 2));
    expect(hash('seed', id, 1)).toBe(hash('seed', id, 1));
  });
});
