// The upstream budget's arithmetic, pure: a token bucket per API key, plus what the provider last
// said about its own count (X-RateLimit-Remaining / -Reset). No clock, no I/O: every function takes
// `now`, so the same code runs in memory and, transcribed, in Redis (shared-budget.ts).
//
// The promise is "never more than `callsPerMinute` calls in any 60 s", whatever the window's
// alignment (a provider may count in fixed or sliding windows). A bucket holding at most `burst`
// tokens and refilling at `rate` allows at most burst + rate × 60 s calls in any 60 s, so the
// refill is what is left after the burst: rate = (callsPerMinute − burst) / minute. The burst is a
// sixth of the minute (at least one call), so a quiet spell lets a little traffic through at once
// and the steady pace is five sixths of the limit.
//
// Priorities: a cold lookup (a visitor with no record at all) may take the last token; a refresh
// of a cached record, or background work, only while more than `reserve` tokens are left, so under
// load the tokens go to visitors who would otherwise get no data at all, and a refresh that yields
// still serves the record already held.

export type CallPriority = 'cold' | 'refresh' | 'background';

export interface BucketConfig {
  /** Calls the provider allows per 60 s. */
  callsPerMinute: number;
  /** Tokens saved up at most (the burst). */
  burst: number;
  /** Tokens per ms. */
  ratePerMs: number;
  /** Tokens a refresh or background call must leave in the bucket. */
  reserve: number;
  /** The longest a provider's Reset is believed, in ms (a bogus one must not stop calls for a day). */
  maxResetMs: number;
}

export interface BucketState {
  tokens: number;
  /** When `tokens` was last brought up to date (ms epoch). */
  at: number;
  /** Calls the provider said are left in its window, less the calls made since; null: it said nothing. */
  quotaRemaining: number | null;
  /** When the provider's window ends (ms epoch); its quota counts until then. */
  quotaResetAt: number;
}

/** What an answer's X-RateLimit-* headers say (rate-limit-headers.ts reads them). */
export interface ProviderQuota {
  remaining: number;
  /** When the provider's window ends (ms epoch). */
  resetAt: number;
}

const MINUTE_MS = 60_000;
/** Share of the burst a refresh or background call leaves for cold lookups. */
export const REFRESH_RESERVE_SHARE = 0.5;
export const DEFAULT_MAX_RESET_MS = 5 * MINUTE_MS;

export function bucketConfig(callsPerMinute: number, maxResetMs = DEFAULT_MAX_RESET_MS): BucketConfig {
  if (!Number.isInteger(callsPerMinute) || callsPerMinute < 1) throw new RangeError(`callsPerMinute must be a positive integer, got ${callsPerMinute}`);
  const burst = Math.max(1, Math.floor(callsPerMinute / 6));
  return {
    callsPerMinute,
    burst,
    ratePerMs: (callsPerMinute - burst) / MINUTE_MS,
    // Whole calls, and never the whole burst: with a burst of 1 there is no reserve, else a refresh could never go.
    reserve: Math.floor(burst * REFRESH_RESERVE_SHARE),
    maxResetMs,
  };
}

/** A full bucket: the first calls after start may use the burst at once. */
export function initialState(config: BucketConfig, now: number): BucketState {
  return { tokens: config.burst, at: now, quotaRemaining: null, quotaResetAt: 0 };
}

/** The state brought up to `now`: tokens refilled (a clock that went back refills nothing), an ended provider window forgotten. */
export function refill(config: BucketConfig, state: BucketState, now: number): BucketState {
  const elapsed = Math.max(0, now - state.at);
  const tokens = Math.min(config.burst, state.tokens + elapsed * config.ratePerMs);
  const quotaOver = state.quotaRemaining !== null && now >= state.quotaResetAt;
  return {
    tokens,
    at: Math.max(state.at, now),
    quotaRemaining: quotaOver ? null : state.quotaRemaining,
    quotaResetAt: quotaOver ? 0 : state.quotaResetAt,
  };
}

/** Tokens a call of this priority must find besides its own. */
export function reserveFor(config: BucketConfig, priority: CallPriority): number {
  return priority === 'cold' ? 0 : config.reserve;
}

/** Whether a call of `priority` may be made now, and the state after it (unchanged when refused). */
export function take(config: BucketConfig, state: BucketState, now: number, priority: CallPriority): { granted: boolean; state: BucketState } {
  const s = refill(config, state, now);
  const needed = 1 + reserveFor(config, priority);
  // The provider's count is held to the same reserve: its last calls go to cold lookups too.
  if (s.tokens < needed || (s.quotaRemaining !== null && s.quotaRemaining < needed)) return { granted: false, state: s };
  return {
    granted: true,
    state: { ...s, tokens: s.tokens - 1, quotaRemaining: s.quotaRemaining === null ? null : s.quotaRemaining - 1 },
  };
}

/**
 * Reset times within this of each other name one window: Reset comes in whole seconds (a delay is
 * rounded, an epoch time cut), so two answers of one window can differ by up to a second.
 */
export const RESET_JITTER_MS = 1_000;

/**
 * What the provider said after a call: until its window ends, no more calls than it says are left
 * (less those made since). Within one window it only ever tightens (the lowest count is believed).
 * A Reset later than the held one names a new window (the provider started counting afresh before
 * our rounded reset came): its count replaces the old. An answer from an earlier window (out of
 * order) says nothing about this one. A Reset in the past is ignored; one further than `maxResetMs`
 * is cut to it.
 */
export function observe(config: BucketConfig, state: BucketState, now: number, quota: ProviderQuota): BucketState {
  const s = refill(config, state, now);
  if (!Number.isFinite(quota.remaining) || quota.remaining < 0 || !(quota.resetAt > now)) return s;
  const resetAt = Math.min(quota.resetAt, now + config.maxResetMs);
  const remaining = Math.floor(quota.remaining);
  if (s.quotaRemaining === null || resetAt > s.quotaResetAt + RESET_JITTER_MS) return { ...s, quotaRemaining: remaining, quotaResetAt: resetAt };
  if (resetAt < s.quotaResetAt - RESET_JITTER_MS) return s;
  return { ...s, quotaRemaining: Math.min(s.quotaRemaining, remaining), quotaResetAt: Math.max(s.quotaResetAt, resetAt) };
}

/** The provider's own limit where it publishes one (PostMetric: 100 a minute per key); null: none known, unlimited unless configured. */
export function defaultCallsPerMinute(provider: 'datafast' | 'postmetric'): number | null {
  return provider === 'postmetric' ? 100 : null;
}
