// The HTTP client for DataFast's Website API: DataFast's paths, auth modes and the mapping of its
// documented answers to outcomes, on the shared upstream core (analytics/upstream-http.ts: deadline,
// one careful retry, a circuit breaker per kind of call, a 429 opening them all, size limits). It never throws to its callers and never puts the key into an
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
import type { AnalyticsClient } from '../analytics/client.js';
import { UpstreamHttp } from '../analytics/upstream-http.js';
import { DATAFAST_AUTH_FAILURES } from './auth-failure-words.js';
import { isBodyRejection, type BreakerSettings, type BreakerView, type UpstreamEndpoint } from './breaker.js';
import { goalBody, GoalBodyError, type GoalMetadata } from './goals.js';
import type { UnavailableCause, VisitorLookup } from './lookup.js';
import { parseRealtimeMapResponse, type RealtimeMap } from './realtime.js';
import type { RateLimitHeaders } from './transport.js';
import type { SetTimer } from './upstream-log.js';
import { answered, unavailable, unusableRecord } from './verdict.js';
import { parsePaymentGoals, type PaymentGoal } from './payment-goals.js';
import { parseDataFastVisitor } from './visitor.js';
import { quotaFromHeaders } from '../upstream/rate-limit-headers.js';
import type { ProviderQuota } from '../upstream/token-bucket.js';

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

/** A visitor record is a few kB; a valid 3.4 MB one, parsed, blocked the event loop past the deadline. */
export const MAX_VISITOR_BODY_BYTES = 256 * 1024;
/** The realtime map lists every visitor of the last 10 minutes (about 1.3 kB each): room for ~1,500. */
export const MAX_REALTIME_BODY_BYTES = 2 * 1024 * 1024;

/**
 * The visitor a readiness probe asks about: a valid UUID v4 no browser is given (DataFast answers
 * 404, or 400), so the probe is a cheap read that tells whether DataFast answers, and nothing else.
 */
export const PROBE_VISITOR_ID = '00000000-0000-4000-8000-000000000000';

export function authMode(apiKey: string): 'website-key' | 'account-token' {
  return apiKey.startsWith('dft_') ? 'account-token' : 'website-key';
}

export class DataFastClient implements AnalyticsClient {
  readonly #http: UpstreamHttp;
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(options: DataFastClientOptions) {
    const websiteId = authMode(options.apiKey) === 'account-token' ? options.websiteId : undefined;
    if (authMode(options.apiKey) === 'account-token' && !websiteId) {
      throw new Error('DATAFAST_WEBSITE_ID is required with a dft_ account token');
    }
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    this.#http = new UpstreamHttp({
      name: 'DataFast',
      apiKey: options.apiKey,
      apiUrl: options.apiUrl ?? 'https://datafa.st',
      ...(websiteId ? { fixedQuery: { websiteId } } : {}),
      timeoutMs: options.timeoutMs ?? 1500,
      defaultRetryAfterMs: options.defaultRetryAfterMs ?? 10_000,
      maxPauseMs: options.maxPauseMs ?? 300_000,
      authFailures: DATAFAST_AUTH_FAILURES,
      logger: options.logger,
      ...(options.now ? { now: options.now } : {}),
      ...(options.breaker ? { breaker: options.breaker } : {}),
      ...(options.setTimer ? { setTimer: options.setTimer } : {}),
    });
    this.breakers = this.#http.breakers;
  }

  /** The analytics provider this client speaks to. */
  readonly provider = 'datafast' as const;

  /** The last `X-RateLimit-*` headers DataFast sent, if it ever sends them (null: none seen). */
  get lastRateLimit(): RateLimitHeaders | null {
    return this.#http.lastRateLimit;
  }

  /** The breaker of each kind of call: state, counters and listeners, for metrics and health. */
  readonly breakers: Readonly<Record<UpstreamEndpoint, BreakerView>>;

  /** Until when calls fail fast after a 429 (epoch ms; 0 when not paused). */
  get pausedUntil(): number {
    return this.#http.breakerSet.rateLimitedUntil;
  }

  /** Called with the pause's end (epoch ms) after each 429 (to share it with other instances). */
  onRateLimited(listener: (until: number) => void): () => void {
    return this.#http.breakerSet.onRateLimited(listener);
  }

  /** Called with what an answer's X-RateLimit-Remaining/-Reset say, when it carries both (for the upstream budget). */
  onQuota(listener: (quota: ProviderQuota) => void): () => void {
    return this.#http.onRateLimitHeaders((headers) => {
      const quota = quotaFromHeaders(headers, this.#now());
      if (quota !== null) listener(quota);
    });
  }

  /** Another instance's 429: calls fail fast until `until`, as after one of ours. */
  pauseUntil(until: number): void {
    this.#http.breakerSet.pauseUntil(until);
  }

  /** While the breaker of this kind of call is open: when it lets a probe through (epoch ms); else 0. */
  retryAt(endpoint: UpstreamEndpoint): number {
    return this.#http.breakerSet.of(endpoint).retryAt();
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
    return this.#http.guarded<R | NotFound>('visitors', async () => {
      const raw = await this.#http.get(`/api/v1/visitors/${encodeURIComponent(visitorId)}`, MAX_VISITOR_BODY_BYTES);
      if (raw.kind === 'unavailable') return isBodyRejection(raw.cause) ? unusableRecord(raw.cause, raw.detail) : unavailable(raw.cause, raw.detail);
      if (raw.kind === 'status') {
        if (raw.status === 400) return answered({ kind: 'bot' });
        if (raw.status === 404) return answered({ kind: 'unknown' });
        return unavailable(this.#http.causeOf(raw.status), { status: raw.status });
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
    if (!this.#http.breakerSet.of('visitors').probeDue()) return null;
    return this.getVisitor(PROBE_VISITOR_ID);
  }

  getRealtimeMap(): Promise<RealtimeLookup> {
    return this.#http.guarded<RealtimeLookup>('realtime', async () => {
      const raw = await this.#http.get('/api/v1/analytics/realtime/map', MAX_REALTIME_BODY_BYTES);
      if (raw.kind === 'unavailable') return unavailable(raw.cause, raw.detail);
      if (raw.kind === 'status') return unavailable(this.#http.causeOf(raw.status), { status: raw.status });
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
    return this.#http.postGoal('/api/v1/goals', body);
  }

  /** Closes idle keep-alive connections and stops the breakers' summary timers (shutdown). */
  close(): void {
    this.#http.close();
  }
}
