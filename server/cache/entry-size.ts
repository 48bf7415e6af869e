// How many bytes of heap one cached answer holds, estimated from its strings and shape, so the
// visitor cache can be bounded by memory and not only by count. Calibrated against `npm run bench`
// (heap after GC divided by entries): an estimate a little above the measure, never far below it.
import type { VisitorLookup } from '../datafast/lookup.js';

/** The entry, the lookup and visitor objects, the numbers, the key and the LRU's own slots. */
const FOUND_BASE = 640;
/** A bot or unknown answer: the entry, a shared small object, the key and the LRU's slots. */
const NEGATIVE = 200;
/** A string's header and the pointer to it. */
const PER_STRING = 24;
/** A goal object and its slot in the array. */
const PER_GOAL = 64;
/** A param's slot in its object. */
const PER_PARAM = 32;

function str(s: string | null): number {
  // Two bytes a character: V8 keeps non-Latin-1 strings as UTF-16.
  return s === null ? 0 : PER_STRING + 2 * s.length;
}

/** Estimated bytes of one cache entry under `key`; always >= 1 (lru-cache's sizeCalculation contract). */
export function entryBytes(value: VisitorLookup, key: string): number {
  const keyBytes = str(key);
  if (value.kind !== 'found') return NEGATIVE + keyBytes;
  const v = value.visitor;
  let bytes = FOUND_BASE + keyBytes + str(v.visitorId);
  bytes += str(v.identity.countryCode) + str(v.identity.browser) + str(v.identity.os) + str(v.identity.deviceType);
  for (const [k, p] of Object.entries(v.identity.params)) bytes += PER_PARAM + str(k) + str(p);
  bytes += str(v.activity.firstVisitAt) + str(v.activity.lastVisitAt);
  for (const g of v.activity.completedGoals) bytes += PER_GOAL + str(g.name) + str(g.timestamp);
  if (v.behaviour !== undefined) bytes += PER_GOAL + str(v.behaviour.referrerHost);
  return Math.max(1, Math.ceil(bytes));
}
