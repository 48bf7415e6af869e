// The HTTP client for PostMetric's API (docs.postmetric.io): GET /api/v1/visitor?visitorId= and
// POST /api/v1/goal, Bearer key, on the shared upstream core (analytics/upstream-http.ts): the same
// deadline, retry, breakers and size limits as DataFast's. Its error envelope: 400 (a missing or
// refused id: no such visitor for us), 401/403 (the key), 404 (unknown), 429 with X-RateLimit-Reset
// (every breaker opens until then). PostMetric has no realtime endpoint and no per-visitor
// payments: those answer at once without a call. Never throws to its callers, never shows the key.
import { quotaFromHeaders } from '../upstream/rate-limit-headers.js';
import type { ProviderQuota } from '../upstream/token-bucket.js';
import type { Logger } from 'pino';
import type { AnalyticsClient } from '../analytics/client.js';
import { UpstreamHttp } from '../analytics/upstream-http.js';
import { isBodyRejection, type BreakerSettings, type BreakerView, type UpstreamEndpoint } from '../datafast/breaker.js';
import { MAX_VISITOR_BODY_BYTES, type GoalResult, type PaymentGoalsLookup, type RealtimeLookup } from '../datafast/client.js';
import { isGoalName, type GoalMetadata } from '../datafast/goals.js';
import type { VisitorLookup } from '../datafast/lookup.js';
import type { RateLimitHeaders } from '../datafast/transport.js';
import type { SetTimer } from '../datafast/upstream-log.js';
import { answered, unavailable, unusableRecord } from '../datafast/verdict.js';
import { POSTMETRIC_AUTH_FAILURES } from './auth-failure-words.js';
import { pauseFromHeaders } from './rate-limit-reset.js';
import { parsePostMetricVisitor, POSTMETRIC_VISITOR_ID } from './visitor.js';

export interface PostMetricClientOptions {
  apiKey: string;
  /** Required: PostMetric's docs give only a placeholder host. */
  apiUrl: string;
  /** Budget for one call including its retry. Default 1,500 ms. */
  timeoutMs?: number;
  /** Pause after a 429 without a usable X-RateLimit-Reset or Retry-After. Default 60 s (its window is a minute). */
  defaultRetryAfterMs?: number;
  maxPauseMs?: number;
  breaker?: Partial<BreakerSettings>;
  logger: Logger;
  now?: () => number;
  setTimer?: SetTimer;
}

/** A valid id no browser is given: PostMetric answers 404, so the probe tells whether it answers, and nothing else. */
export const POSTMETRIC_PROBE_VISITOR_ID = 'visitor-offers-readiness-probe';

/** The body of POST /api/v1/goal as we send it: no metadata (PostMetric has none), a value for an order. */
export interface PostMetricGoalBody {
  event: string;
  visitorId: string;
  value?: number;
}

const NO_PAYMENTS: PaymentGoalsLookup = Object.freeze({ kind: 'found', goals: [] });
const NO_REALTIME: RealtimeLookup = Object.freeze({ kind: 'unavailable', cause: 'paused' });

export class PostMetricClient implements AnalyticsClient {
  readonly provider = 'postmetric' as const;
  readonly #http: UpstreamHttp;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly breakers: Readonly<Record<UpstreamEndpoint, BreakerView>>;

  constructor(options: PostMetricClientOptions) {
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    this.#http = new UpstreamHttp({
      name: 'PostMetric',
      apiKey: options.apiKey,
      apiUrl: options.apiUrl,
      timeoutMs: options.timeoutMs ?? 1500,
      defaultRetryAfterMs: options.defaultRetryAfterMs ?? 60_000,
      maxPauseMs: options.maxPauseMs ?? 300_000,
      authFailures: POSTMETRIC_AUTH_FAILURES,
      pauseOf: pauseFromHeaders,
      logger: options.logger,
      ...(options.now ? { now: options.now } : {}),
      ...(options.breaker ? { breaker: options.breaker } : {}),
      ...(options.setTimer ? { setTimer: options.setTimer } : {}),
    });
    this.breakers = this.#http.breakers;
  }

  get pausedUntil(): number {
    return this.#http.breakerSet.rateLimitedUntil;
  }

  /** Called with what an answer's X-RateLimit-Remaining/-Reset say, when it carries both (for the upstream budget). */
  onQuota(listener: (quota: ProviderQuota) => void): () => void {
    return this.#http.onRateLimitHeaders((headers) => {
      const quota = quotaFromHeaders(headers, this.#now());
      if (quota !== null) listener(quota);
    });
  }

  get lastRateLimit(): RateLimitHeaders | null {
    return this.#http.lastRateLimit;
  }

  onRateLimited(listener: (until: number) => void): () => void {
    return this.#http.breakerSet.onRateLimited(listener);
  }

  pauseUntil(until: number): void {
    this.#http.breakerSet.pauseUntil(until);
  }

  retryAt(endpoint: UpstreamEndpoint): number {
    return this.#http.breakerSet.of(endpoint).retryAt();
  }

  /** Found, unknown (400 or 404), unusable (too large, unreadable) or unavailable; at once `paused` while the breaker is open. */
  getVisitor(visitorId: string): Promise<VisitorLookup> {
    // Never sent: an id the edge would have refused is no visitor of PostMetric's.
    if (!POSTMETRIC_VISITOR_ID.test(visitorId)) return Promise.resolve({ kind: 'unknown' });
    return this.#http.guarded<VisitorLookup>('visitors', async () => {
      const raw = await this.#http.get('/api/v1/visitor', MAX_VISITOR_BODY_BYTES, { visitorId });
      if (raw.kind === 'unavailable') return isBodyRejection(raw.cause) ? unusableRecord(raw.cause, raw.detail) : unavailable(raw.cause, raw.detail);
      if (raw.kind === 'status') {
        if (raw.status === 400 || raw.status === 404) return answered({ kind: 'unknown' });
        return unavailable(this.#http.causeOf(raw.status), { status: raw.status });
      }
      const visitor = parsePostMetricVisitor(raw.body);
      if (visitor === null) return unusableRecord('malformed');
      return answered({ kind: 'found', visitor });
    });
  }

  /** PostMetric reports no payments per visitor: nothing to reconcile, no call made. */
  getPaymentGoals(): Promise<PaymentGoalsLookup> {
    return Promise.resolve(NO_PAYMENTS);
  }

  probeVisitors(): Promise<VisitorLookup> | null {
    if (!this.#http.breakerSet.of('visitors').probeDue()) return null;
    return this.getVisitor(POSTMETRIC_PROBE_VISITOR_ID);
  }

  /** PostMetric has no realtime endpoint: `/live` and the dashboard's live panel stay empty. */
  getRealtimeMap(): Promise<RealtimeLookup> {
    return Promise.resolve(NO_REALTIME);
  }

  /** POST /api/v1/goal, one attempt; the metadata's `value` (an order's) is sent as a number. */
  async createGoal(visitorId: string, name: string, metadata: GoalMetadata): Promise<GoalResult> {
    if (!isGoalName(name) || !POSTMETRIC_VISITOR_ID.test(visitorId)) {
      this.#log.warn({ endpoint: 'goals', goal: name }, 'Not sending a goal PostMetric would refuse: bad event name or visitor id');
      return { kind: 'rejected', status: 400 };
    }
    const value = metadata.value === undefined ? Number.NaN : Number(metadata.value);
    const body: PostMetricGoalBody = { event: name, visitorId, ...(Number.isFinite(value) ? { value } : {}) };
    return this.#http.postGoal('/api/v1/goal', JSON.stringify(body));
  }

  close(): void {
    this.#http.close();
  }
}
