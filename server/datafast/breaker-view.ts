// What the circuit breakers show of themselves (breaker.ts): their states, the calls they see and
// the transitions they make, as read-only views for metrics and readiness. Reach a router's as
// `internalsOf(router).client.breakers.visitors` (and `.realtime`, `.goals`).

/** Where a breaker stands. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** The kinds of DataFast call, one breaker each. */
export type UpstreamEndpoint = 'visitors' | 'realtime' | 'goals';

export const UPSTREAM_ENDPOINTS: readonly UpstreamEndpoint[] = ['visitors', 'realtime', 'goals'];

/** Why a call failed, as far as the breaker is concerned. */
export type FailureCause = 'timeout' | 'network' | 'server-error' | 'malformed' | 'too-large' | 'rate-limited';

export const FAILURE_CAUSES: readonly FailureCause[] = ['timeout', 'network', 'server-error', 'malformed', 'too-large', 'rate-limited'];

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
  outcome: 'success' | FailureCause | 'refused';
  /** From acquire to verdict, ms (0 for a refused call). */
  durationMs: number;
  detail?: FailureDetail;
}

/** Counters since the breaker was made, for metrics. */
export interface BreakerStats {
  state: BreakerState;
  successes: number;
  failures: Record<FailureCause, number>;
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
  stats(): BreakerStats;
  /** Called after every transition. Returns the function that unsubscribes. A listener that throws is ignored. */
  onTransition(listener: (t: BreakerTransition) => void): () => void;
  /** Called for every call, let through or refused. Returns the function that unsubscribes. */
  onCall(listener: (c: UpstreamCall) => void): () => void;
}
