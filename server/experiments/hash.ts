// GrowthBook's published hashing scheme, reproduced exactly so a visitor lands in the same bucket
// here, on every instance, and in any GrowthBook SDK given the same seed and id.
// Source: growthbook/growthbook, packages/sdk-js/src/util.ts (`hashFnv32a`, `hash`).

/**
 * FNV-1a, 32-bit, over the string's UTF-16 code units (JavaScript `charCodeAt`, not UTF-8 bytes —
 * identical for ASCII such as UUIDs and experiment ids). Offset basis 0x811c9dc5; the multiply by
 * the FNV prime 16777619 (2^24 + 2^8 + 0x93) is done with shifts so it stays within 32-bit integer
 * arithmetic. Returns an unsigned 32-bit integer.
 */
export function fnv32a(str: string): number {
  let hval = 0x811c9dc5;
  const l = str.length;
  for (let i = 0; i < l; i++) {
    hval ^= str.charCodeAt(i);
    hval += (hval << 1) + (hval << 4) + (hval << 7) + (hval << 8) + (hval << 24);
  }
  return hval >>> 0;
}

/** The hash version this project assigns with (GrowthBook's unbiased v2). */
export const HASH_VERSION = 2;

/**
 * GrowthBook's `hash(seed, value, version)`: a number in [0, 1).
 * - version 2 (unbiased, used here): `(fnv32a(String(fnv32a(seed + value))) % 10000) / 10000`,
 *   i.e. four decimal places;
 * - version 1 (original, biased; kept for compatibility): `(fnv32a(value + seed) % 1000) / 1000`.
 * Any other version returns null, as GrowthBook does.
 */
export function hash(seed: string, value: string, version: 1 | 2): number;
export function hash(seed: string, value: string, version: number): number | null;
export function hash(seed: string, value: string, version: number): number | null {
  if (version === 2) {
    return (fnv32a(String(fnv32a(seed + value))) % 10000) / 10000;
  }
  if (version === 1) {
    return (fnv32a(value + seed) % 1000) / 1000;
  }
  return null;
}
