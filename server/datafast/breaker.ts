// A circuit breaker for one kind of DataFast call (visitor lookups, the realtime map, goals), so
// that while DataFast hangs or fails, callers are answered at once instead of after the deadline.
//
//   closed    → calls go through. `failureThreshold` failures in a row, the first and the last no
//               more than `failureWindowMs` apart, open it. A success resets the count.
//   open      → calls are refused at once (no network) until `coolDownMs` has passed, or until a
//               429's Retry-After when `trip()` opened it.
//   half-open → one call, the probe, goes through; every other call is still refused. The probe's
//               success closes the breaker; its failure opens it for another cool-down.
//
// Only failures of DataFast or the way to it count (FailureCause). An answer whose body we refuse
// (one record too large or unreadable: `unusable`) is logged and counted like a failure but is an
// answer for the breaker: it resets the run of failures and a probe answered so closes it.
//
// Pure: time comes from `now`, and the open → half-open step happens when someone looks (acquire,
// state), so there are no timers. An answer to a call started before the latest transition is
// counted in the stats but moves nothing: a late success from before an outage cannot close it.
import {
  CALL_PROBLEMS,
  type BodyRejection,
  type BreakerState,
  type BreakerStats,
  type BreakerTransition,
  type BreakerView,
  type CallProblem,
  type FailureCause,
  type FailureDetail,
  type UpstreamCall,
  type UpstreamEndpoint,
} from './breaker-view.js';

export * from './breaker-view.js';

export interface BreakerSettings {
  /** Failures in a row that open the breaker. */
  failureThreshold: number;
  /** Those failures must fall within this many ms (first to last). */
  failureWindowMs: number;
  /** How long it stays open before one probe is let through. */
  coolDownMs: number;
}

/** The one source of these defaults: the router's options (config/options.ts) take them from here. */
export const DEFAULT_BREAKER_SETTINGS: Readonly<BreakerSettings> = Object.freeze({
  failureThreshold: 5,
  failureWindowMs: 60_000,
  coolDownMs: 30_000,
});

/** The right to make one call; exactly one verdict counts (later ones are ignored). */
export interface Permit {
  /** DataFast answered as documented (for a lookup: found, bot, unknown, or even 401/403). */
  succeed(): void;
  /** DataFast, or the way to it, failed: counts towards opening the breaker. */
  fail(cause: FailureCause, detail?: FailureDetail): void;
  /** DataFast answered with a body we refuse (one record): reported like a failure, but an answer for the breaker. */
  unusable(cause: BodyRejection, detail?: FailureDetail): void;
  /** No verdict: the call never reached a conclusion about DataFast (our own bug). Frees a probe's slot. */
  release(): void;
}

export interface CircuitBreakerOptions extends Partial<BreakerSettings> {
  endpoint: UpstreamEndpoint;
  /** Clock for state, epoch ms. Default Date.now. */
  now?: () => number;
  /** Clock for call durations, ms. Default performance.now. */
  elapsed?: () => number;
}

function emptyFailures(): Record<CallProblem, number> {
  return Object.fromEntries(CALL_PROBLEMS.map((c) => [c, 0])) as Record<CallProblem, number>;
}

export function checkBreakerSettings(s: BreakerSettings): BreakerSettings {
  if (!Number.isInteger(s.failureThreshold) || s.failureThreshold < 1) throw new RangeError('CircuitBreaker: failureThreshold must be an integer >= 1');
  for (const key of ['failureWindowMs', 'coolDownMs'] as const) {
    if (!Number.isFinite(s[key]) || s[key] < 0) throw new RangeError(`CircuitBreaker: ${key} must be a finite number >= 0`);
  }
  return s;
}

export class CircuitBreaker implements BreakerView {
  readonly endpoint: UpstreamEndpoint;
  readonly settings: Readonly<BreakerSettings>;
  readonly #now: () => number;
  readonly #elapsed: () => number;

  #state: BreakerState = 'closed';
  /** Bumped at every transition; a permit from an older generation moves nothing. */
  #generation = 0;
  /** When the failures of the current run happened (closed only), oldest first, at most failureThreshold. */
  #streak: number[] = [];
  #retryAt = 0;
  #probeOut = false;
  #openSince: number | null = null;

  #successes = 0;
  #failures = emptyFailures();
  #refused = 0;
  #opened = 0;

  readonly #transitionListeners = new Set<(t: BreakerTransition) => void>();
  readonly #callListeners = new Set<(c: UpstreamCall) => void>();

  constructor(options: CircuitBreakerOptions) {
    this.endpoint = options.endpoint;
    this.settings = Object.freeze(
      checkBreakerSettings({
        failureThreshold: options.failureThreshold ?? DEFAULT_BREAKER_SETTINGS.failureThreshold,
        failureWindowMs: options.failureWindowMs ?? DEFAULT_BREAKER_SETTINGS.failureWindowMs,
        coolDownMs: options.coolDownMs ?? DEFAULT_BREAKER_SETTINGS.coolDownMs,
      }),
    );
    this.#now = options.now ?? Date.now;
    this.#elapsed = options.elapsed ?? (() => performance.now());
  }

  state(): BreakerState {
    this.#refresh();
    return this.#state;
  }

  probeDue(): boolean {
    this.#refresh();
    return this.#state === 'half-open' && !this.#probeOut;
  }

  /** A permit to call DataFast, or null: refuse the call without touching the network. */
  acquire(): Permit | null {
    this.#refresh();
    if (this.#state === 'open' || (this.#state === 'half-open' && this.#probeOut)) {
      this.#refused += 1;
      this.#emitCall({ endpoint: this.endpoint, outcome: 'refused', durationMs: 0 });
      return null;
    }
    const probe = this.#state === 'half-open';
    if (probe) this.#probeOut = true;
    return this.#permit(this.#generation, probe);
  }

  /** Opens the breaker now, until `until` at least (a 429's Retry-After), whatever its state. */
  trip(cause: FailureCause, until: number): void {
    this.#refresh();
    if (this.#state === 'open') {
      this.#retryAt = Math.max(this.#retryAt, until);
      return;
    }
    this.#open(cause, until, 1);
  }

  /** Until when calls are refused (epoch ms) while open; 0 otherwise. */
  retryAt(): number {
    this.#refresh();
    return this.#state === 'open' ? this.#retryAt : 0;
  }

  stats(): BreakerStats {
    this.#refresh();
    return {
      state: this.#state,
      successes: this.#successes,
      failures: { ...this.#failures },
      refused: this.#refused,
      opened: this.#opened,
      openSince: this.#openSince,
      retryAt: this.#state === 'open' ? this.#retryAt : null,
    };
  }

  onTransition(listener: (t: BreakerTransition) => void): () => void {
    this.#transitionListeners.add(listener);
    return () => this.#transitionListeners.delete(listener);
  }

  onCall(listener: (c: UpstreamCall) => void): () => void {
    this.#callListeners.add(listener);
    return () => this.#callListeners.delete(listener);
  }

  #permit(generation: number, probe: boolean): Permit {
    const startedAt = this.#elapsed();
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      if (probe && generation === this.#generation) this.#probeOut = false;
      return true;
    };
    const durationMs = (): number => Math.max(0, this.#elapsed() - startedAt);
    return {
      succeed: () => {
        if (!settle()) return;
        this.#successes += 1;
        if (generation === this.#generation) this.#onAnswer();
        this.#emitCall({ endpoint: this.endpoint, outcome: 'success', durationMs: durationMs() });
      },
      fail: (cause, detail) => {
        if (!settle()) return;
        this.#failures[cause] += 1;
        // The call is reported before a transition it causes, so a log reads "failed", then "opened".
        this.#emitCall(problemCall(this.endpoint, cause, durationMs(), detail));
        if (generation === this.#generation) this.#onFailure(cause);
      },
      unusable: (cause, detail) => {
        if (!settle()) return;
        this.#failures[cause] += 1;
        this.#emitCall(problemCall(this.endpoint, cause, durationMs(), detail));
        if (generation === this.#generation) this.#onAnswer();
      },
      release: () => {
        settle();
      },
    };
  }

  #onAnswer(): void {
    if (this.#state === 'half-open') {
      this.#transition('closed', 'probe-succeeded', null, 0);
      return;
    }
    this.#streak = [];
  }

  #onFailure(cause: FailureCause): void {
    const now = this.#now();
    if (this.#state === 'half-open') {
      this.#open(cause, now + this.settings.coolDownMs, 1);
      return;
    }
    if (this.#state !== 'closed') return;
    this.#streak.push(now);
    if (this.#streak.length > this.settings.failureThreshold) this.#streak.shift();
    const first = this.#streak[0] ?? now;
    if (this.#streak.length >= this.settings.failureThreshold && now - first <= this.settings.failureWindowMs) {
      this.#open(cause, now + this.settings.coolDownMs, this.#streak.length);
    }
  }

  #open(cause: FailureCause, retryAt: number, failures: number): void {
    this.#retryAt = retryAt;
    if (this.#state === 'closed') {
      this.#opened += 1;
      this.#openSince = this.#now();
    }
    this.#transition('open', cause, retryAt, failures);
  }

  /** Open → half-open once the cool-down is over. */
  #refresh(): void {
    if (this.#state === 'open' && this.#now() >= this.#retryAt) this.#transition('half-open', 'cool-down', null, 0);
  }

  #transition(to: BreakerState, reason: BreakerTransition['reason'], retryAt: number | null, failures: number): void {
    const from = this.#state;
    this.#state = to;
    this.#generation += 1;
    this.#streak = [];
    this.#probeOut = false;
    if (to === 'closed') this.#openSince = null;
    const t: BreakerTransition = { endpoint: this.endpoint, from, to, at: this.#now(), reason, retryAt, failures };
    for (const listener of [...this.#transitionListeners]) {
      try {
        listener(t);
      } catch {
        // A metrics or log listener must never break a call.
      }
    }
  }

  #emitCall(call: UpstreamCall): void {
    for (const listener of [...this.#callListeners]) {
      try {
        listener(call);
      } catch {
        // As above.
      }
    }
  }
}

function problemCall(endpoint: UpstreamEndpoint, cause: CallProblem, durationMs: number, detail: FailureDetail | undefined): UpstreamCall {
  const call: UpstreamCall = { endpoint, outcome: cause, durationMs };
  if (detail !== undefined) call.detail = detail;
  return call;
}
