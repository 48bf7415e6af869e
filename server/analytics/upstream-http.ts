// What every analytics client does the same way, whichever API it speaks: the Bearer credential,
// one deadline per call, one careful retry of reads, a circuit breaker per kind of call (a 429
// opens them all), size limits on bodies, and the mapping of the network's failures to causes.
// It never throws to its callers for the upstream's sake and never puts the key into an error, a
// log line or a return value. The DataFast and PostMetric clients build their calls on it.
//
// Reads (GET) are retried once inside the deadline. Writes (goals) are never retried here: an
// attempt that timed out may still have created the goal, so retrying is the outbox's decision
// (server/delivery/), made with backoff.
import type { Logger } from 'pino';
import { isBodyRejection, type BreakerSettings, type BreakerView, type FailureDetail, type UpstreamEndpoint } from '../datafast/breaker.js';
import { BreakerSet } from '../datafast/breakers.js';
import type { UnavailableCause } from '../datafast/lookup.js';
import { Transport, TransportError, type RateLimitHeaders, type TransportResponse } from '../datafast/transport.js';
import type { SetTimer } from '../datafast/upstream-log.js';
import type { GoalResult } from '../datafast/client.js';
import { answered, unavailable, type Verdict } from '../datafast/verdict.js';

export type Raw =
  | { kind: 'ok'; body: unknown }
  | { kind: 'status'; status: number }
  | { kind: 'unavailable'; cause: UnavailableCause; detail?: FailureDetail };

export interface AttemptRequest {
  method: 'GET' | 'POST';
  /** JSON text sent with content-type application/json. */
  body?: string;
  /** Longest body read; a write reads none. */
  maxBodyBytes: number;
  /** Whether a 200 body is read and parsed (a write's 2xx is enough as it is). */
  readBody: boolean;
}

/**
 * What to say when the upstream refuses our credential (401/403): a configuration problem, not an
 * outage, logged once per kind of call (reads and writes need different permissions), at error
 * level, with what to check and never with the key.
 */
export interface AuthFailureWords {
  /** A refused read (visitor lookup, realtime map). */
  read(status: number): string;
  /** A refused goal. */
  write(status: number): string;
}

export interface UpstreamHttpOptions {
  /** The upstream's name in log lines (`DataFast`, `PostMetric`). */
  name: string;
  apiKey: string;
  /** Base URL without a trailing slash. */
  apiUrl: string;
  /** Query parameters sent with every call (DataFast's websiteId with an account token). */
  fixedQuery?: Record<string, string>;
  timeoutMs: number;
  defaultRetryAfterMs: number;
  maxPauseMs: number;
  breaker?: Partial<BreakerSettings>;
  authFailures: AuthFailureWords;
  /**
   * How long a 429 asks us to wait, as a Retry-After value, from its headers. Default: the
   * Retry-After header itself.
   */
  pauseOf?: (retryAfter: string | null, rateLimit: RateLimitHeaders, now: number) => string | null;
  logger: Logger;
  now?: () => number;
  setTimer?: SetTimer;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);
const PAUSED = Object.freeze({ kind: 'unavailable', cause: 'paused' } as const);

export class UpstreamHttp {
  readonly #authorization: string;
  readonly #apiUrl: string;
  readonly #fixedQuery: Record<string, string>;
  readonly timeoutMs: number;
  readonly #now: () => number;
  readonly #transport = new Transport();
  readonly breakerSet: BreakerSet;
  readonly #log: Logger;
  readonly #authFailures: AuthFailureWords;
  /** The kinds of call whose refused credential was logged already. */
  readonly #authLogged = new Set<'read' | 'write'>();
  readonly #pauseOf: NonNullable<UpstreamHttpOptions['pauseOf']>;
  #lastRateLimit: RateLimitHeaders | null = null;
  readonly #rateLimitListeners = new Set<(headers: RateLimitHeaders) => void>();

  constructor(options: UpstreamHttpOptions) {
    this.#authorization = `Bearer ${options.apiKey}`;
    this.#apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.#fixedQuery = options.fixedQuery ?? {};
    this.timeoutMs = options.timeoutMs;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger;
    this.#authFailures = options.authFailures;
    this.#pauseOf = options.pauseOf ?? ((retryAfter) => retryAfter);
    this.breakerSet = new BreakerSet({
      logger: options.logger,
      timeoutMs: options.timeoutMs,
      defaultRetryAfterMs: options.defaultRetryAfterMs,
      maxPauseMs: options.maxPauseMs,
      now: this.#now,
      upstream: options.name,
      ...(options.breaker ? { settings: options.breaker } : {}),
      ...(options.setTimer ? { setTimer: options.setTimer } : {}),
    });
    this.breakers = this.breakerSet.views;
  }

  readonly breakers: Readonly<Record<UpstreamEndpoint, BreakerView>>;

  /** The last `X-RateLimit-*` headers an answer carried (null: none yet), for an upstream budget. */
  get lastRateLimit(): RateLimitHeaders | null {
    return this.#lastRateLimit;
  }

  /** Called with the `X-RateLimit-*` headers of every answer that carries one. */
  onRateLimitHeaders(listener: (headers: RateLimitHeaders) => void): () => void {
    this.#rateLimitListeners.add(listener);
    return () => this.#rateLimitListeners.delete(listener);
  }

  /**
   * One call through its breaker: refused at once (cause `paused`) while the breaker is open,
   * else made and its outcome reported. A call that throws (our own bug) gives no verdict.
   */
  async guarded<T>(endpoint: UpstreamEndpoint, call: () => Promise<Verdict<T>>): Promise<T> {
    const permit = this.breakerSet.of(endpoint).acquire();
    if (permit === null) return PAUSED as T;
    try {
      const { result, failure } = await call();
      if (failure === null) permit.succeed();
      else if (isBodyRejection(failure.cause)) permit.unusable(failure.cause, failure.detail);
      else permit.fail(failure.cause, failure.detail);
      return result;
    } finally {
      permit.release();
    }
  }

  /**
   * POSTs one goal (a JSON body) through the goals breaker: created on a 2xx, rejected for good on
   * another 4xx, unavailable on 401/403/408/429, a 5xx or no answer. One attempt: the outbox retries.
   */
  postGoal(path: string, body: string): Promise<GoalResult> {
    return this.guarded<GoalResult>('goals', async () => {
      const raw = await this.send(path, { method: 'POST', body, readBody: false, maxBodyBytes: 0 });
      if (raw.kind === 'ok') return answered({ kind: 'created' });
      if (raw.kind === 'unavailable') return unavailable(raw.cause, raw.detail);
      const { status } = raw;
      if (status >= 200 && status < 300) return answered({ kind: 'created' });
      if (status === 401 || status === 403 || status === 408 || status === 429) return unavailable(this.causeOf(status), { status });
      if (status >= 400 && status < 500) return answered({ kind: 'rejected', status });
      return unavailable('server-error', { status });
    });
  }

  causeOf(status: number): UnavailableCause {
    if (status === 401 || status === 403) return 'auth';
    if (status === 429) return 'rate-limited';
    return 'server-error';
  }

  #url(path: string, query: Record<string, string>): URL {
    const url = new URL(this.#apiUrl + path);
    for (const [k, v] of Object.entries({ ...query, ...this.#fixedQuery })) url.searchParams.set(k, v);
    return url;
  }

  /** One attempt, no retry (writes). */
  send(path: string, request: AttemptRequest): Promise<Raw> {
    return this.#attempt(this.#url(path, {}), AbortSignal.timeout(this.timeoutMs), request);
  }

  /** A read, retried once on a network failure or a 502/503/504 when the deadline leaves room. */
  async get(path: string, maxBodyBytes: number, query: Record<string, string> = {}): Promise<Raw> {
    const url = this.#url(path, query);
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const startedAt = this.#now();
    const request: AttemptRequest = { method: 'GET', readBody: true, maxBodyBytes };

    let result = await this.#attempt(url, deadline, request);
    if (shouldRetry(result)) {
      // Jitter spreads the retries of many instances; never sleep past the deadline.
      const pause = 50 + Math.random() * 100;
      if (this.#now() - startedAt + pause < this.timeoutMs) {
        await sleep(pause);
        if (!deadline.aborted) result = await this.#attempt(url, deadline, request);
      }
    }
    return result;
  }

  async #attempt(url: URL, signal: AbortSignal, request: AttemptRequest): Promise<Raw> {
    const headers: Record<string, string> = { authorization: this.#authorization, accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let res: TransportResponse;
    try {
      res = await this.#transport.send(url, {
        method: request.method,
        headers,
        body: request.body,
        signal,
        readBody: (status) => status === 200 && request.readBody,
        maxBodyBytes: request.maxBodyBytes,
      });
    } catch (err) {
      // Only the network's failures are the upstream being unavailable; anything else is our own bug.
      if (!(err instanceof TransportError)) throw err;
      const reason = err.reason;
      if (reason === 'too-large') return { kind: 'unavailable', cause: 'too-large', ...(err.bytes === undefined ? {} : { detail: { bytes: err.bytes } }) };
      return { kind: 'unavailable', cause: reason === 'aborted' ? 'timeout' : 'network' };
    }
    const { status } = res;
    this.#sawRateLimit(res.rateLimit);
    if (status === 429) {
      this.breakerSet.rateLimited(this.#pauseOf(res.retryAfter, res.rateLimit, this.#now()));
      return { kind: 'unavailable', cause: 'rate-limited', detail: { status } };
    }
    if (status === 401 || status === 403) {
      const kind = request.method === 'GET' ? 'read' : 'write';
      if (!this.#authLogged.has(kind)) {
        this.#authLogged.add(kind);
        this.#log.error({ status, ...(kind === 'write' && { endpoint: 'goals' }) }, this.#authFailures[kind](status));
      }
      return { kind: 'status', status };
    }
    if (!request.readBody && status >= 200 && status < 300) return { kind: 'ok', body: undefined };
    if (status !== 200 || res.body === null) return { kind: 'status', status };
    try {
      return { kind: 'ok', body: JSON.parse(res.body) as unknown };
    } catch {
      return { kind: 'unavailable', cause: 'malformed', detail: { bytes: Buffer.byteLength(res.body) } };
    }
  }

  #sawRateLimit(headers: RateLimitHeaders): void {
    if (headers.limit === null && headers.remaining === null && headers.reset === null) return;
    this.#lastRateLimit = headers;
    for (const listener of [...this.#rateLimitListeners]) {
      try {
        listener(headers);
      } catch {
        // A budget's bookkeeping must never break a call.
      }
    }
  }

  /** Closes idle keep-alive connections and stops the breakers' summary timers (shutdown). */
  close(): void {
    this.#transport.destroy();
    this.breakerSet.close();
  }
}

function shouldRetry(r: Raw): boolean {
  return (r.kind === 'unavailable' && r.cause === 'network') || (r.kind === 'status' && RETRYABLE_STATUS.has(r.status));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
