// The one retry policy of every delivery the outbox makes — goals for DataFast and leads for the
// owner's webhook alike: exponential backoff with full jitter, capped, and a last attempt after
// which a delivery is given up. Pure: the caller gives the random source.
//
// Full jitter (a delay drawn uniformly between 0 and the exponential ceiling) spreads retries
// that failed together, so a recovering target is not hit by all of them at once.

export interface BackoffPolicy {
  /** Ceiling of the delay after the first failure. */
  baseMs: number;
  /** Largest ceiling: delays stop growing here. */
  capMs: number;
  /** Failed attempts after which a delivery is given up. */
  maxAttempts: number;
}

/**
 * 0.5 s doubling to 5 min, 200 attempts: a delivery failing alone is given up after about 8 hours
 * (16 at most) of failures; in an outage shared by many, longer (one of them probes at a time).
 */
export const DELIVERY_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 300_000, maxAttempts: 200 };

/** The ceiling before the next try after `failures` failures in a row (≥ 1). */
export function backoffCeiling(policy: BackoffPolicy, failures: number): number {
  const n = Math.max(1, Math.floor(failures));
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(n - 1, 40));
}

/** The delay before the next try: uniform in [0, ceiling], `random` in [0, 1). */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number): number {
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * backoffCeiling(policy, failures));
}

/** True when a delivery that has failed `attempts` times gets no more. */
export function exhausted(policy: BackoffPolicy, attempts: number): boolean {
  return attempts >= policy.maxAttempts;
}
