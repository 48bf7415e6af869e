// The client's three breakers (visitor lookups, realtime map, goals) and their logs, plus the one
// thing they share: a 429 is about the whole account, so it opens all three until Retry-After.
// For the same reason a 429 is shared with the other instances through Redis when there is one
// (redis/shared-pause.ts): `onRateLimited` tells it, `pauseUntil` applies another instance's.
//
// One breaker per kind of call rather than one per client: the kinds fail apart (a slow realtime
// map, goals refused for want of goals:write) and are called at very different rates (lookups per
// visitor, the map once per interval, goals from a queue with its own backoff), so one kind's
// failures should not silence the others, and each half-open probe is a call of its own kind.
import type { Logger } from 'pino';
import { CircuitBreaker, UPSTREAM_ENDPOINTS, type BreakerSettings, type BreakerView, type UpstreamEndpoint } from './breaker.js';
import { parseRetryAfter } from './retry-after.js';
import { UpstreamLog, type SetTimer } from './upstream-log.js';

export interface BreakerSetOptions {
  settings?: Partial<BreakerSettings>;
  logger: Logger;
  timeoutMs: number;
  /** Pause after a 429 without a usable Retry-After. */
  defaultRetryAfterMs: number;
  /** Longest pause a Retry-After may impose. */
  maxPauseMs: number;
  now?: () => number;
  setTimer?: SetTimer;
  /** The upstream's name in log lines. Default 'DataFast'. */
  upstream?: string;
}

export class BreakerSet {
  readonly #breakers: Record<UpstreamEndpoint, CircuitBreaker>;
  readonly #logs: UpstreamLog[];
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #defaultRetryAfterMs: number;
  readonly #maxPauseMs: number;
  readonly #upstream: string;
  /** Until when the last 429 asked us to wait (epoch ms). */
  #rateLimitedUntil = 0;
  readonly #rateLimitedListeners = new Set<(until: number) => void>();
  /** Read-only views, for metrics. */
  readonly views: Readonly<Record<UpstreamEndpoint, BreakerView>>;

  constructor(options: BreakerSetOptions) {
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    this.#defaultRetryAfterMs = options.defaultRetryAfterMs;
    this.#maxPauseMs = options.maxPauseMs;
    this.#upstream = options.upstream ?? 'DataFast';
    const make = (endpoint: UpstreamEndpoint): CircuitBreaker => new CircuitBreaker({ endpoint, ...options.settings, now: this.#now });
    this.#breakers = { visitors: make('visitors'), realtime: make('realtime'), goals: make('goals') };
    this.views = Object.freeze({ ...this.#breakers });
    const logOptions = { logger: options.logger, timeoutMs: options.timeoutMs, now: this.#now, upstream: this.#upstream, ...(options.setTimer ? { setTimer: options.setTimer } : {}) };
    this.#logs = UPSTREAM_ENDPOINTS.map((e) => new UpstreamLog(this.#breakers[e], logOptions));
  }

  of(endpoint: UpstreamEndpoint): CircuitBreaker {
    return this.#breakers[endpoint];
  }

  /** A 429 from any endpoint: every breaker opens until its Retry-After (capped), logged once here. */
  rateLimited(retryAfter: string | null): void {
    const pauseMs = Math.min(parseRetryAfter(retryAfter, this.#now()) ?? this.#defaultRetryAfterMs, this.#maxPauseMs);
    const until = this.#now() + pauseMs;
    this.#rateLimitedUntil = Math.max(this.#rateLimitedUntil, until);
    for (const e of UPSTREAM_ENDPOINTS) this.#breakers[e].trip('rate-limited', until);
    this.#log.warn({ pauseMs }, `${this.#upstream} rate limit reached (429): every call fails fast until Retry-After, then one probe per kind of call`);
    for (const listener of [...this.#rateLimitedListeners]) {
      try {
        listener(until);
      } catch {
        // Sharing the pause must never break a call.
      }
    }
  }

  /** Called with the pause's end (epoch ms) after each 429 this client gets. */
  onRateLimited(listener: (until: number) => void): () => void {
    this.#rateLimitedListeners.add(listener);
    return () => this.#rateLimitedListeners.delete(listener);
  }

  /**
   * Another instance's 429: every breaker opens until `until` (capped like a Retry-After), as after
   * one of ours, and nothing is told back. A pause that ends no later than the current one is ignored.
   */
  pauseUntil(until: number): void {
    const now = this.#now();
    const end = Math.min(until, now + this.#maxPauseMs);
    if (end <= now || end <= this.#rateLimitedUntil) return;
    this.#rateLimitedUntil = end;
    for (const e of UPSTREAM_ENDPOINTS) this.#breakers[e].trip('rate-limited', end);
    this.#log.warn({ pauseMs: end - now }, `${this.#upstream} rate limit reached by another instance (429): every call fails fast until its Retry-After, then one probe per kind of call`);
  }

  /** Until when a 429 asked us to wait (epoch ms), or 0 once that time has passed. */
  get rateLimitedUntil(): number {
    return this.#rateLimitedUntil > this.#now() ? this.#rateLimitedUntil : 0;
  }

  close(): void {
    for (const log of this.#logs) log.close();
  }
}
