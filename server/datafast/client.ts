// The HTTP client for DataFast's Website API: auth, deadline, one careful retry, a circuit breaker
// per kind of call (breakers.ts; a 429 opens them all), size limits on bodies, and the mapping of
// documented answers to outcomes. It never throws to its callers and never puts the key into an
// error, a log line or a return value. Failures are logged by the breakers' logs (upstream-log.ts),
// a few lines a minute at most, never one per request.
//
// Only failures of DataFast or the way to it (timeout, reset, 5xx, 429) count against a breaker.
// A visitor record refused for its size or unreadable is that visitor's answer (`unusable`), not
// an outage: a visitor able to bloat their own record must not open the breaker for everyone.
//
// Reads (GET) are retried once inside the deadline. Writes (POST /goals) are never retried here:
// an attempt that timed out may still have created the goal, so retrying is the outbox's
// decision (server/delivery/), made with backoff.
import type { Logger } from 'pino';
import { AuthFailureLog } from './auth-failure-log.js';
import { isBodyRejection, type BreakerSettings, type BreakerView, type FailureDetail, type UpstreamEndpoint } from './breaker.js';
import { BreakerSet } from './breakers.js';
import { goalBody, GoalBodyError, type GoalMetadata } from './goals.js';
import type { UnavailableCause, VisitorLookup } from './lookup.js';
import { parseRealtimeMapResponse, type RealtimeMap } from './realtime.js';
import { Transport, TransportError, type TransportResponse } from './transport.js';
import type { SetTimer } from './upstream-log.js';
import { answered, unavailable, unusableRecord, type Verdict } from './verdict.js';
import { parsePaymentGoals, type PaymentGoal } from './payment-goals.js';
import { parseDataFastVisitor } from './visitor.js';

export interface DataFastClientOptions {
  /** `df_…` website key or `dft_…` account token. */
  apiKey: string;
  /** Required with a `dft_` token; sent as `?websiteId=` on every call. */
  websiteId?: string;
  /** Default `https://datafa.st`. */
  apiUrl?: string;
  /** Budget for one call including its retry. Default 1,500 ms. */
  timeoutMs?: number;
  /** Pause used after a 429 without a usable Retry-After. Default 10 s. */
  defaultRetryAfterMs?: number;
  /** Longest pause a Retry-After may impose. Default 5 min. */
  maxPauseMs?: number;
  /** The breakers' settings (each kind of call has its own breaker). Defaults: DEFAULT_BREAKER_SETTINGS. */
  breaker?: Partial<BreakerSettings>;
  logger: Logger;
  now?: () => number;
  /** Timer of the per-minute failure summaries. Default setTimeout, unref'd. */
  setTimer?: SetTimer;
}

/** A visitor lookup's outcomes other than a record. */
type NotFound = Exclude<VisitorLookup, { kind: 'found' }>;

/** The visitor's payments, or why there are none to read. */
export type PaymentGoalsLookup = { kind: 'found'; goals: PaymentGoal[] } | NotFound;

export type RealtimeLookup = { kind: 'found'; map: RealtimeMap } | { kind: 'unavailable'; cause: UnavailableCause };

export type GoalResult =
  /** DataFast answered 2xx: the goal exists. */
  | { kind: 'created' }
  /**
   * Permanent: DataFast refused this goal (400: bad body or a bot visitor; 404: the visitor has
   * no pageview; other 4xx except 401/403/408/429). Retrying cannot help. A body we refuse to
   * build (GoalBodyError) is answered as 400 without a call.
   */
  | { kind: 'rejected'; status: number }
  /** Try again later ('paused' and 'rate-limited' mean: wait for `retryAt('goals')`). */
  | { kind: 'unavailable'; cause: UnavailableCause };

type Raw =
  | { kind: 'ok'; body: unknown }
  | { kind: 'status'; status: number }
  | { kind: 'unavailable'; cause: UnavailableCause; detail?: FailureDetail };

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/** A visitor record is a few kB; a valid 3.4 MB one, parsed, blocked the event loop past the deadline. */
export const MAX_VISITOR_BODY_BYTES = 256 * 1024;
/** The realtime map lists every visitor of the last 10 minutes (about 1.3 kB each): room for ~1,500. */
export const MAX_REALTIME_BODY_BYTES = 2 * 1024 * 1024;

/**
 * The visitor a readiness probe asks about: a valid UUID v4 no browser is given (DataFast answers
 * 404, or 400), so the probe is a cheap read that tells whether DataFast answers, and nothing else.
 */
export const PROBE_VISITOR_ID = '00000000-0000-4000-8000-000000000000';

const PAUSED = Object.freeze({ kind: 'unavailable', cause: 'paused' } as const);

interface AttemptRequest {
  method: 'GET' | 'POST';
  /** JSON text sent with content-type application/json. */
  body?: string;
  /** Longest body read (see MAX_*_BODY_BYTES); a write reads none. */
  maxBodyBytes: number;
  /**
   * Whether a 200 body is read and parsed. Writes do not read it: any 2xx means DataFast
   * accepted the write, and a cut-off confirmation must not turn into a duplicate goal.
   */
  readBody: boolean;
}

export function authMode(apiKey: string): 'website-key' | 'account-token' {
  return apiKey.startsWith('dft_') ? 'account-token' : 'website-key';
}

export class DataFastClient {
  readonly #authorization: string;
  readonly #apiUrl: string;
  readonly #websiteId: string | undefined;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #transport = new Transport();
  readonly #breakers: BreakerSet;
  readonly #authFailures: AuthFailureLog;

  constructor(options: DataFastClientOptions) {
    this.#authorization = `Bearer ${options.apiKey}`;
    this.#apiUrl = (options.apiUrl ?? 'https://datafa.st').replace(/\/+$/, '');
    this.#websiteId = authMode(options.apiKey) === 'account-token' ? options.websiteId : undefined;
    if (authMode(options.apiKey) === 'account-token' && !this.#websiteId) {
      throw new Error('DATAFAST_WEBSITE_ID is required with a dft_ account token');
    }
    this.#timeoutMs = options.timeoutMs ?? 1500;
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    this.#authFailures = new AuthFailureLog(options.logger);
    this.#breakers = new BreakerSet({
      logger: options.logger,
      timeoutMs: this.#timeoutMs,
      defaultRetryAfterMs: options.defaultRetryAfterMs ?? 10_000,
      maxPauseMs: options.maxPauseMs ?? 300_000,
      now: this.#now,
      ...(options.breaker ? { settings: options.breaker } : {}),
      ...(options.setTimer ? { setTimer: options.setTimer } : {}),
    });
    this.breakers = this.#breakers.views;
  }

  /** The breaker of each kind of call: state, counters and listeners, for metrics and health. */
  readonly breakers: Readonly<Record<UpstreamEndpoint, BreakerView>>;

  /** Until when calls fail fast after a 429 (epoch ms; 0 when not paused). */
  get pausedUntil(): number {
    return this.#breakers.rateLimitedUntil;
  }

  /** Called with the pause's end (epoch ms) after each 429 (to share it with other instances). */
  onRateLimited(listener: (until: number) => void): () => void {
    return this.#breakers.onRateLimited(listener);
  }

  /** Another instance's 429: calls fail fast until `until`, as after one of ours. */
  pauseUntil(until: number): void {
    this.#breakers.pauseUntil(until);
  }

  /** While the breaker of this kind of call is open: when it lets a probe through (epoch ms); else 0. */
  retryAt(endpoint: UpstreamEndpoint): number {
    return this.#breakers.of(endpoint).retryAt();
  }

  /**
   * Found, bot (400), unknown (404), unusable (this record is over the size limit or unreadable),
   * or unavailable; at once with cause `paused` while the breaker is open.
   */
  getVisitor(visitorId: string): Promise<VisitorLookup> {
    return this.#visitorRecord(visitorId, parseDataFastVisitor, (visitor): VisitorLookup => ({ kind: 'found', visitor }));
  }

  /** The visitor's payments (payment-goals.ts), for the conversion reconciliation; the other outcomes as getVisitor's. */
  getPaymentGoals(visitorId: string): Promise<PaymentGoalsLookup> {
    return this.#visitorRecord(visitorId, parsePaymentGoals, (goals): PaymentGoalsLookup => ({ kind: 'found', goals }));
  }

  /** GET /api/v1/visitors/{id} through the visitor lookups' breaker, its 200 body read by `parse`. */
  #visitorRecord<T, R>(visitorId: string, parse: (body: unknown) => T | null, found: (value: T) => R): Promise<R | NotFound> {
    return this.#guarded<R | NotFound>('visitors', async () => {
      const raw = await this.#get(`/api/v1/visitors/${encodeURIComponent(visitorId)}`, MAX_VISITOR_BODY_BYTES);
      if (raw.kind === 'unavailable') return isBodyRejection(raw.cause) ? unusableRecord(raw.cause, raw.detail) : unavailable(raw.cause, raw.detail);
      if (raw.kind === 'status') {
        if (raw.status === 400) return answered({ kind: 'bot' });
        if (raw.status === 404) return answered({ kind: 'unknown' });
        return unavailable(this.#causeOf(raw.status), { status: raw.status });
      }
      const value = parse(raw.body);
      if (value === null) return unusableRecord('malformed');
      return answered(found(value));
    });
  }

  /**
   * The probe of the visitor lookups' breaker, made now because nobody else may call (an instance
   * taken out of traffic by its own readiness): a lookup of PROBE_VISITOR_ID, only when the breaker
   * is half-open with no probe out, else null and no call. At most one in flight, within the
   * call's deadline.
   */
  probeVisitors(): Promise<VisitorLookup> | null {
    if (!this.#breakers.of('visitors').probeDue()) return null;
    return this.getVisitor(PROBE_VISITOR_ID);
  }

  getRealtimeMap(): Promise<RealtimeLookup> {
    return this.#guarded<RealtimeLookup>('realtime', async () => {
      const raw = await this.#get('/api/v1/analytics/realtime/map', MAX_REALTIME_BODY_BYTES);
      if (raw.kind === 'unavailable') return unavailable(raw.cause, raw.detail);
      if (raw.kind === 'status') return unavailable(this.#causeOf(raw.status), { status: raw.status });
      const map = parseRealtimeMapResponse(raw.body);
      if (!map) return unavailable('malformed');
      return answered({ kind: 'found', map });
    });
  }

  /**
   * Sends one goal (POST /api/v1/goals). One attempt only, within the same deadline; a 429
   * opens every breaker of this client, reads included.
   */
  async createGoal(visitorId: string, name: string, metadata: GoalMetadata): Promise<GoalResult> {
    let body: string;
    try {
      body = JSON.stringify(goalBody(visitorId, name, metadata));
    } catch (error) {
      const message = error instanceof GoalBodyError ? error.message : 'goal body could not be built';
      this.#log.warn({ endpoint: 'goals', goal: name }, `Not sending a goal DataFast would refuse: ${message}`);
      return { kind: 'rejected', status: 400 };
    }
    return this.#guarded<GoalResult>('goals', async () => {
      const raw = await this.#send('/api/v1/goals', { method: 'POST', body, readBody: false, maxBodyBytes: 0 });
      if (raw.kind === 'ok') return answered({ kind: 'created' });
      if (raw.kind === 'unavailable') return unavailable(raw.cause, raw.detail);
      const { status } = raw;
      if (status >= 200 && status < 300) return answered({ kind: 'created' });
      if (status === 401 || status === 403 || status === 408 || status === 429) return unavailable(this.#causeOf(status), { status });
      if (status >= 400 && status < 500) return answered({ kind: 'rejected', status });
      return unavailable('server-error', { status });
    });
  }

  /**
   * One call through its breaker: refused at once (cause `paused`) while the breaker is open,
   * else made and its outcome reported. A call that throws (our own bug) gives no verdict.
   */
  async #guarded<T>(endpoint: UpstreamEndpoint, call: () => Promise<Verdict<T>>): Promise<T> {
    const permit = this.#breakers.of(endpoint).acquire();
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

  #causeOf(status: number): UnavailableCause {
    if (status === 401 || status === 403) return 'auth';
    if (status === 429) return 'rate-limited';
    return 'server-error';
  }

  #url(path: string): URL {
    const url = new URL(this.#apiUrl + path);
    if (this.#websiteId) url.searchParams.set('websiteId', this.#websiteId);
    return url;
  }

  /** One attempt, no retry (writes). */
  async #send(path: string, request: AttemptRequest): Promise<Raw> {
    return this.#attempt(this.#url(path), AbortSignal.timeout(this.#timeoutMs), request);
  }

  async #get(path: string, maxBodyBytes: number): Promise<Raw> {
    const url = this.#url(path);
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const startedAt = this.#now();
    const request: AttemptRequest = { method: 'GET', readBody: true, maxBodyBytes };

    let result = await this.#attempt(url, deadline, request);
    if (this.#shouldRetry(result)) {
      // Jitter spreads the retries of many instances; never sleep past the deadline.
      const pause = 50 + Math.random() * 100;
      if (this.#now() - startedAt + pause < this.#timeoutMs) {
        await sleep(pause);
        if (!deadline.aborted) result = await this.#attempt(url, deadline, request);
      }
    }
    return result;
  }

  #shouldRetry(r: Raw): boolean {
    return (r.kind === 'unavailable' && r.cause === 'network') || (r.kind === 'status' && RETRYABLE_STATUS.has(r.status));
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
        // Only a read's 200 carries what we need; a write's 2xx is enough as it is.
        readBody: (status) => status === 200 && request.readBody,
        maxBodyBytes: request.maxBodyBytes,
      });
    } catch (err) {
      // Only the network's failures are DataFast being unavailable; anything else is our own bug.
      if (!(err instanceof TransportError)) throw err;
      const reason = err.reason;
      if (reason === 'too-large') return { kind: 'unavailable', cause: 'too-large', ...(err.bytes === undefined ? {} : { detail: { bytes: err.bytes } }) };
      return { kind: 'unavailable', cause: reason === 'aborted' ? 'timeout' : 'network' };
    }
    const { status } = res;
    if (status === 429) {
      this.#breakers.rateLimited(res.retryAfter);
      return { kind: 'unavailable', cause: 'rate-limited', detail: { status } };
    }
    if (status === 401 || status === 403) {
      if (request.method === 'GET') this.#authFailures.read(status);
      else this.#authFailures.write(status);
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

  /** Closes idle keep-alive connections and stops the breakers' summary timers (shutdown). */
  close(): void {
    this.#transport.destroy();
    this.#breakers.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
