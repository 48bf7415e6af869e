// The HTTP client for DataFast's Website API: auth, deadline, one careful retry, 429 pauses,
// and the mapping of documented answers to outcomes. It never throws to its callers and never
// puts the key into an error, a log line or a return value.
//
// Reads (GET) are retried once inside the deadline. Writes (POST /goals) are never retried here:
// an attempt that timed out may still have created the goal, so retrying is the outbox's
// decision (server/events/outbox.ts), made with backoff.
import type { Logger } from 'pino';
import { goalBody, GoalBodyError, type GoalMetadata } from './goals.js';
import type { UnavailableCause, VisitorLookup } from './lookup.js';
import { parseRealtimeMapResponse, type RealtimeMap } from './realtime.js';
import { Transport, TransportError, type TransportResponse } from './transport.js';
import { parseVisitorResponse } from './visitor.js';

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
  logger: Logger;
  now?: () => number;
}

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
  /** Try again later ('paused' and 'rate-limited' mean: wait for `pausedUntil`). */
  | { kind: 'unavailable'; cause: UnavailableCause };

type Raw =
  | { kind: 'ok'; body: unknown }
  | { kind: 'status'; status: number }
  | { kind: 'unavailable'; cause: UnavailableCause };

const RETRYABLE_STATUS = new Set([502, 503, 504]);

interface AttemptRequest {
  method: 'GET' | 'POST';
  /** JSON text sent with content-type application/json. */
  body?: string;
  /**
   * Whether a 200 body is read and parsed. Writes do not read it: any 2xx means DataFast
   * accepted the write, and a cut-off confirmation must not turn into a duplicate goal.
   */
  readBody: boolean;
}

const GET: AttemptRequest = { method: 'GET', readBody: true };

export function authMode(apiKey: string): 'website-key' | 'account-token' {
  return apiKey.startsWith('dft_') ? 'account-token' : 'website-key';
}

export class DataFastClient {
  readonly #authorization: string;
  readonly #apiUrl: string;
  readonly #websiteId: string | undefined;
  readonly #timeoutMs: number;
  readonly #defaultRetryAfterMs: number;
  readonly #maxPauseMs: number;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #transport = new Transport();
  #pausedUntil = 0;
  #authFailureLogged = false;
  #goalAuthFailureLogged = false;

  constructor(options: DataFastClientOptions) {
    this.#authorization = `Bearer ${options.apiKey}`;
    this.#apiUrl = (options.apiUrl ?? 'https://datafa.st').replace(/\/+$/, '');
    this.#websiteId = authMode(options.apiKey) === 'account-token' ? options.websiteId : undefined;
    if (authMode(options.apiKey) === 'account-token' && !this.#websiteId) {
      throw new Error('DATAFAST_WEBSITE_ID is required with a dft_ account token');
    }
    this.#timeoutMs = options.timeoutMs ?? 1500;
    this.#defaultRetryAfterMs = options.defaultRetryAfterMs ?? 10_000;
    this.#maxPauseMs = options.maxPauseMs ?? 300_000;
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
  }

  /** Until when calls fail fast after a 429 (epoch ms; 0 when not paused). */
  get pausedUntil(): number {
    return this.#pausedUntil > this.#now() ? this.#pausedUntil : 0;
  }

  async getVisitor(visitorId: string): Promise<VisitorLookup> {
    const raw = await this.#get(`/api/v1/visitors/${encodeURIComponent(visitorId)}`);
    if (raw.kind === 'unavailable') return raw;
    if (raw.kind === 'status') {
      if (raw.status === 400) return { kind: 'bot' };
      if (raw.status === 404) return { kind: 'unknown' };
      return { kind: 'unavailable', cause: this.#causeOf(raw.status) };
    }
    const visitor = parseVisitorResponse(raw.body);
    if (!visitor) {
      this.#log.warn({ endpoint: 'visitors' }, 'DataFast sent a visitor body we could not read');
      return { kind: 'unavailable', cause: 'malformed' };
    }
    return { kind: 'found', visitor };
  }

  async getRealtimeMap(): Promise<RealtimeLookup> {
    const raw = await this.#get('/api/v1/analytics/realtime/map');
    if (raw.kind === 'unavailable') return raw;
    if (raw.kind === 'status') return { kind: 'unavailable', cause: this.#causeOf(raw.status) };
    const map = parseRealtimeMapResponse(raw.body);
    if (!map) {
      this.#log.warn({ endpoint: 'realtime-map' }, 'DataFast sent a realtime map we could not read');
      return { kind: 'unavailable', cause: 'malformed' };
    }
    return { kind: 'found', map };
  }

  /**
   * Sends one goal (POST /api/v1/goals). One attempt only, within the same deadline; a 429
   * pauses every call of this client, reads included.
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
    const raw = await this.#send('/api/v1/goals', { method: 'POST', body, readBody: false });
    if (raw.kind === 'ok') return { kind: 'created' };
    if (raw.kind === 'unavailable') return raw;
    const { status } = raw;
    if (status >= 200 && status < 300) return { kind: 'created' };
    if (status === 401 || status === 403 || status === 408 || status === 429) {
      return { kind: 'unavailable', cause: this.#causeOf(status) };
    }
    if (status >= 400 && status < 500) return { kind: 'rejected', status };
    return { kind: 'unavailable', cause: 'server-error' };
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
    if (this.#pausedUntil > this.#now()) return { kind: 'unavailable', cause: 'paused' };
    return this.#attempt(this.#url(path), AbortSignal.timeout(this.#timeoutMs), request);
  }

  async #get(path: string): Promise<Raw> {
    if (this.#pausedUntil > this.#now()) return { kind: 'unavailable', cause: 'paused' };
    const url = this.#url(path);
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const startedAt = this.#now();

    let result = await this.#attempt(url, deadline);
    if (this.#shouldRetry(result)) {
      // Jitter spreads the retries of many instances; never sleep past the deadline.
      const pause = 50 + Math.random() * 100;
      if (this.#now() - startedAt + pause < this.#timeoutMs) {
        await sleep(pause);
        if (!deadline.aborted) result = await this.#attempt(url, deadline);
      }
    }
    return result;
  }

  #shouldRetry(r: Raw): boolean {
    return (r.kind === 'unavailable' && r.cause === 'network') || (r.kind === 'status' && RETRYABLE_STATUS.has(r.status));
  }

  async #attempt(url: URL, signal: AbortSignal, request: AttemptRequest = GET): Promise<Raw> {
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
      });
    } catch (err) {
      // Only the network's failures are DataFast being unavailable; anything else is our own bug.
      if (!(err instanceof TransportError)) throw err;
      const reason = err.reason;
      if (reason === 'too-large') {
        this.#log.warn({}, 'DataFast sent a body larger than any answer it documents');
        return { kind: 'unavailable', cause: 'malformed' };
      }
      return { kind: 'unavailable', cause: reason === 'aborted' ? 'timeout' : 'network' };
    }
    const { status } = res;
    if (status === 429) {
      this.#pause(res.retryAfter);
      return { kind: 'unavailable', cause: 'rate-limited' };
    }
    if (status === 401 || status === 403) {
      if (request.method === 'GET') this.#logAuthFailure(status);
      else this.#logGoalAuthFailure(status);
      return { kind: 'status', status };
    }
    if (!request.readBody && status >= 200 && status < 300) return { kind: 'ok', body: undefined };
    if (status !== 200 || res.body === null) {
      if (status >= 500) this.#log.warn({ status }, 'DataFast answered with a server error');
      return { kind: 'status', status };
    }
    try {
      return { kind: 'ok', body: JSON.parse(res.body) as unknown };
    } catch {
      this.#log.warn({ bytes: res.body.length }, 'DataFast sent a body that is not JSON');
      return { kind: 'unavailable', cause: 'malformed' };
    }
  }

  /** Closes idle keep-alive connections (shutdown). */
  close(): void {
    this.#transport.destroy();
  }

  #pause(retryAfter: string | null): void {
    const ms = Math.min(parseRetryAfter(retryAfter, this.#now()) ?? this.#defaultRetryAfterMs, this.#maxPauseMs);
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + ms);
    this.#log.warn({ pauseMs: ms }, 'DataFast rate limit reached (429): pausing calls');
  }

  #logAuthFailure(status: number): void {
    if (this.#authFailureLogged) return;
    this.#authFailureLogged = true;
    this.#log.error(
      { status },
      status === 401
        ? 'DataFast rejected the API key (401): check DATAFAST_API_KEY; offers fall back to "no offer" until it is fixed'
        : 'DataFast refused access (403): check the token permissions (analytics:read), DATAFAST_WEBSITE_ID and that tracking is not suspended',
    );
  }

  /** Writes need their own permission (goals:write), so a refusal there is reported separately, once. */
  #logGoalAuthFailure(status: number): void {
    if (this.#goalAuthFailureLogged) return;
    this.#goalAuthFailureLogged = true;
    this.#log.error(
      { status, endpoint: 'goals' },
      status === 401
        ? 'DataFast rejected the API key (401) when sending a goal: check DATAFAST_API_KEY; goals wait in the outbox until it is fixed'
        : 'DataFast refused to record a goal (403): a dft_ token needs the goals:write permission; also check DATAFAST_WEBSITE_ID and that tracking is not suspended',
    );
  }
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form carries a time of day; without this check Date.parse reads "1.5",
  // "-5" or "soon 2" as dates in 2001, and a malformed header would cancel the pause.
  if (!/\b\d{2}:\d{2}:\d{2}\b/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
