// What the circuit breakers show of themselves (breaker.ts): their states, the calls they see and
// the transitions they make, as read-only views for metrics and readiness. Reach a router's as
// `internalsOf(router).client.breakers.visitors` (and `.realtime`, `.goals`).

/** Where a breaker stands. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** The kinds of DataFast call, one breaker each. */
export type UpstreamEndpoint = 'visitors' | 'realtime' | 'goals';

export const UPSTREAM_ENDPOINTS: readonly UpstreamEndpoint[] = ['visitors', 'realtime', 'goals'];

/**
 * Why a call failed in a way that counts towards opening the breaker: DataFast, or the way to it,
 * is in trouble (no answer in time, a refused or cut connection, a 5xx, a 429).
 */
export type FailureCause = 'timeout' | 'network' | 'server-error' | 'rate-limited';

export const FAILURE_CAUSES: readonly FailureCause[] = ['timeout', 'network', 'server-error', 'rate-limited'];

/**
 * DataFast answered, but with a body we will not use: over the size limit, or unreadable. That is
 * about one answer (one visitor's record), not about DataFast, so it never counts towards opening
 * the breaker: a visitor who bloats their own record must not cut off everyone else's lookups.
 */
export type BodyRejection = 'malformed' | 'too-large';

export const BODY_REJECTIONS: readonly BodyRejection[] = ['malformed', 'too-large'];

/** A call that brought no usable answer, by cause, as logs and counters see it. */
export type CallProblem = FailureCause | BodyRejection;

export const CALL_PROBLEMS: readonly CallProblem[] = [...FAILURE_CAUSES, ...BODY_REJECTIONS];

export function isBodyRejection(cause: string): cause is BodyRejection {
  return cause === 'malformed' || cause === 'too-large';
}

/** What the client knew about a failure, for the log: the status of a server error, the size of a refused body. */
export interface FailureDetail {
  status?: number;
  bytes?: number;
}

/** One change of state. */
export interface BreakerTransition {
  endpoint: UpstreamEndpoint;
  from: BreakerState;
  to: BreakerState;
  /** Epoch ms. */
  at: number;
  /** The failure that opened it, `cool-down` (open → half-open) or `probe-succeeded` (half-open → closed). */
  reason: FailureCause | 'cool-down' | 'probe-succeeded';
  /** When `to` is open: when the next probe may go (epoch ms); otherwise null. */
  retryAt: number | null;
  /** Failures in a row behind an opening (0 for other transitions, 1 for a failed probe or a 429). */
  failures: number;
}

/** One call as the breaker saw it: let through and answered, or refused without a network call. */
export interface UpstreamCall {
  endpoint: UpstreamEndpoint;
  /** `success`: a usable answer; a CallProblem: none (only a FailureCause counts against the breaker); `refused`: no call made. */
  outcome: 'success' | CallProblem | 'refused';
  /** From acquire to verdict, ms (0 for a refused call). */
  durationMs: number;
  detail?: FailureDetail;
}

/** Counters since the breaker was made, for metrics. */
export interface BreakerStats {
  state: BreakerState;
  /** Calls answered with something usable. */
  successes: number;
  /** Calls that brought no usable answer, by cause (body rejections included, though they never open it). */
  failures: Record<CallProblem, number>;
  /** Calls refused while open or while a probe was in flight. */
  refused: number;
  /** Times it went from closed to open. */
  opened: number;
  /** Since when it has not been closed (epoch ms), or null while closed. */
  openSince: number | null;
  /** While open: when the next probe may go (epoch ms); otherwise null. */
  retryAt: number | null;
}

/**
 * What metrics code may hold: read-only state, counters and listeners. Reach the client's breakers
 * as `internalsOf(router).client.breakers.visitors` (and `.realtime`, `.goals`).
 */
export interface BreakerView {
  readonly endpoint: UpstreamEndpoint;
  /** The current state, brought up to date with the clock (an open breaker whose cool-down is over reports half-open). */
  state(): BreakerState;
  /** Half-open with no probe out: the next call made is the probe. */
  probeDue(): boolean;
  stats(): BreakerStats;
  /** Called after every transition. Returns the function that unsubscribes. A listener that throws is ignored. */
  onTransition(listener: (t: BreakerTransition) => void): () => void;
  /** Called for every call, let through or refused. Returns the function that unsubscribes. */
  onCall(listener: (c: UpstreamCall) => void): () => void;
}
