// A stand-in for DataFast's HTTP API on 127.0.0.1, for tests, benchmarks and the `npm start` demo.
// It speaks the three endpoints the proxy calls (visitor, realtime map, POST goals), with DataFast's envelopes and auth rules, and lets a
// test inject upstream failures (slowness, hangs, error statuses, 429, bad JSON, resets) at run time.
// It never logs: tests and benchmarks read what happened from `calls`.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { generatedPersona, personas, realtimeSeed } from './personas';
import type { Persona } from './personas';

export const SIMULATED_DATAFAST_DEFAULTS = {
  apiKey: 'df_sim_website_key',
  accountToken: 'dft_sim_account_token',
  websiteId: '665f0b3c4d2e1a0012345678',
} as const;

export type Fault =
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'status'; status: number }
  | { kind: 'rate-limit'; retryAfterSeconds?: number }
  | { kind: 'malformed-json' }
  | { kind: 'reset' }
  /**
   * A visitor's real record blown up to about `bytes` with distinct goals and params (the rest of
   * the reply as usual): valid JSON a careless client would parse and cache whole. Sent with a
   * Content-Length, or `chunked` without one, so only counting the bytes can tell its size.
   */
  | { kind: 'huge-record'; bytes: number; chunked?: boolean };

/** Which requests a fault applies to. */
export type FaultMatch = 'visitors' | 'realtime' | 'goals' | 'all';

/** The endpoints callCount can filter on. */
export type CallFilter = Exclude<FaultMatch, 'all'>;

export interface FaultOptions {
  /** Apply to the next N matching requests only, then clear. Default: until changed. */
  times?: number;
  /** Default 'all' (every request, including unknown routes). */
  match?: FaultMatch;
}

export interface RecordedCall {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** The raw Authorization header, so tests can check which credential was sent. */
  authorization: string | null;
  /** Date.now() when the request arrived. */
  at: number;
  /**
   * The request body of a POST, parsed as JSON when it parses, else the raw text. Set once the
   * body has been read (before the answer is sent).
   */
  body?: unknown;
}

/** A goal the simulator accepted (POST /api/v1/goals answered 200), as DataFast would store it. */
export interface RecordedGoal {
  /** Lowercased, as DataFast stores it. */
  visitorId: string;
  /** After DataFast's normalisation: lowercased, spaces replaced by `_`. */
  name: string;
  metadata: Record<string, string>;
  eventId: string;
  /** Date.now() when it was accepted. */
  at: number;
}

export interface SimulatedDataFastOptions {
  /** Default 0: a free port. */
  port?: number;
  /** The `df_` website key accepted without websiteId. */
  apiKey?: string;
  /** The `dft_` account token, accepted only with `?websiteId=<websiteId>`. */
  accountToken?: string;
  websiteId?: string;
  /** Extra visitors, on top of (and overriding) the seeded personas. */
  visitors?: Persona[];
  /** Answer any valid, unseeded UUID v4 with a record derived from the id instead of 404. */
  generateUnknown?: boolean;
  /** Base delay before every response, in ms (benchmarks use 50). */
  latencyMs?: number;
  /** A rate limit per key, as PostMetric documents one (setRateLimit changes it at run time). */
  rateLimit?: SimulatedRateLimit | null;
  /**
   * Keep the process alive while listening (the demo wants this). Default false, so a test that
   * forgets close() never holds the run open.
   */
  keepProcessAlive?: boolean;
}

/**
 * Requests allowed per fixed window (starting at the first request after it is set): every answer
 * carries X-RateLimit-Limit, -Remaining and -Reset (seconds until the window ends); past the limit,
 * 429 with Retry-After. DataFast documents no such headers: this is for the upstream budget's tests.
 */
export interface SimulatedRateLimit {
  limit: number;
  /** Default 60000. */
  windowMs?: number;
}

export interface SimulatedDataFast {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Every request received, oldest first. Same array for the server's life. */
  readonly calls: RecordedCall[];
  /** Every goal accepted, oldest first. Same array for the server's life; resetCalls() empties it. */
  readonly goals: RecordedGoal[];
  callCount(filter?: CallFilter): number;
  /** Empties `calls` and `goals`. */
  resetCalls(): void;
  addVisitor(persona: Persona): void;
  setFault(fault: Fault | null, options?: FaultOptions): void;
  /** Sets (or, with null, removes) the rate limit; a new window starts at the next request. */
  setRateLimit(rateLimit: SimulatedRateLimit | null): void;
  /** Replace the realtime map `data` (null restores the live seed). */
  setRealtime(data: Record<string, unknown> | null): void;
  /** Stops listening and drops every connection, hung requests included. Idempotent. */
  close(): Promise<void>;
}

type Route = { kind: 'visitors'; id: string } | { kind: 'realtime' } | { kind: 'goals' } | { kind: 'other' };

/** What the request body turned out to be. */
type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'invalid'; text: string } | { kind: 'too-large' };

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface ActiveFault {
  fault: Fault;
  match: FaultMatch;
  remaining: number | null;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const VISITOR_PATH = /^\/api\/v1\/visitors\/([^/]*)\/?$/;
const REALTIME_PATH = /^\/api\/v1\/analytics\/realtime\/map\/?$/;
const GOALS_PATH = /^\/api\/v1\/goals\/?$/;

/** Current DataFast rules for POST /goals (reference §1.8): names and metadata. */
const GOAL_NAME = /^[a-z0-9_:-]{1,64}$/;
const METADATA_KEY = /^[a-z0-9_-]{1,64}$/;
const MAX_METADATA_KEYS = 10;
const MAX_METADATA_VALUE = 255;
const MAX_BODY_BYTES = 64 * 1024;

const STATUS_MESSAGES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized. Invalid or missing API key.',
  403: 'Forbidden',
  404: 'Not found',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

const errorReply = (status: number, message?: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { status: 'error', error: { code: status, message: message ?? STATUS_MESSAGES[status] ?? 'Error' } },
  ...(headers ? { headers } : {}),
});

const successReply = (data: unknown): Reply => ({ status: 200, body: { status: 'success', data } });

function routeOf(method: string, pathname: string): Route {
  if (method === 'POST' && GOALS_PATH.test(pathname)) return { kind: 'goals' };
  if (method !== 'GET') return { kind: 'other' };
  const visitor = VISITOR_PATH.exec(pathname);
  if (visitor) {
    let id = visitor[1] ?? '';
    try {
      id = decodeURIComponent(id);
    } catch {
      // Undecodable ids stay raw and fail UUID validation below, as DataFast would reject them.
    }
    return { kind: 'visitors', id };
  }
  if (REALTIME_PATH.test(pathname)) return { kind: 'realtime' };
  return { kind: 'other' };
}

const HUGE_CHUNK = 64 * 1024;

/** Room left for the visitor's own record when a huge one is made (the personas' are 1–2 kB). */
const HUGE_RESERVE = 4 * 1024;
/** Params that get long values in a huge record (the rest are made-up keys). */
const HUGE_LONG_PARAMS = ['ref', 'utm_source', 'utm_medium', 'utm_campaign'];
const HUGE_GOALS_MARK = '__huge_goals__';
const HUGE_PARAMS_MARK = '__huge_params__';

/**
 * The added goals and params of a huge record, as JSON text (members without brackets), made once
 * per size: a benchmark asking for thousands of 3.5 MB records must not measure the simulator.
 */
const inflations = new Map<number, { goals: string; params: string }>();
function inflation(bytes: number): { goals: string; params: string } {
  const cached = inflations.get(bytes);
  if (cached) return cached;
  const room = Math.max(0, bytes - HUGE_RESERVE);
  const goals: string[] = [];
  let goalBytes = 0;
  for (let i = 0; goalBytes < room / 2; i++) {
    const text = JSON.stringify({ name: `goal_${String(i).padStart(7, '0')}`, timestamp: '2026-02-05T06:00:00.000Z', origin: 'manual' });
    goals.push(text);
    goalBytes += text.length + 1;
  }
  const params: string[] = [];
  let left = room - goalBytes;
  for (const key of HUGE_LONG_PARAMS) {
    const text = `${JSON.stringify(key)}:${JSON.stringify('v'.repeat(Math.min(10_000, Math.max(0, left - key.length - 6))))}`;
    params.push(text);
    left -= text.length + 1;
  }
  for (let i = 0; left > 40; i++) {
    const text = `"param_${i}":"${'p'.repeat(20)}"`;
    params.push(text);
    left -= text.length + 1;
  }
  const made = { goals: goals.join(','), params: params.join(',') };
  inflations.set(bytes, made);
  return made;
}

/**
 * A visitor envelope grown to about `bytes` (at most `bytes` for the seeded personas): half of the
 * growth in distinct completed goals after the visitor's own, half in params (long values for
 * some DataFast documents, then made-up keys), all ASCII so characters are bytes. Valid JSON,
 * without duplicate keys.
 */
export function hugeRecord(envelope: unknown, bytes: number): string {
  const copy = structuredClone(envelope) as { data: { identity?: Record<string, unknown> | null; activity?: Record<string, unknown> | null } };
  const identity = (copy.data.identity ??= {});
  const activity = (copy.data.activity ??= {});
  const own = { ...(identity.params as Record<string, unknown> | null | undefined) };
  for (const key of HUGE_LONG_PARAMS) delete own[key];
  identity.params = { [HUGE_PARAMS_MARK]: 0, ...own };
  activity.completedGoals = [...((activity.completedGoals as unknown[] | null | undefined) ?? []), HUGE_GOALS_MARK];
  const { goals, params } = inflation(bytes);
  const text = JSON.stringify(copy);
  const ownParams = Object.keys(own).length > 0 ? ',' : '';
  return text.replace(`${JSON.stringify(HUGE_PARAMS_MARK)}:0${ownParams}`, `${params}${ownParams}`).replace(JSON.stringify(HUGE_GOALS_MARK), goals);
}

export async function startSimulatedDataFast(options: SimulatedDataFastOptions = {}): Promise<SimulatedDataFast> {
  const apiKey = options.apiKey ?? SIMULATED_DATAFAST_DEFAULTS.apiKey;
  const accountToken = options.accountToken ?? SIMULATED_DATAFAST_DEFAULTS.accountToken;
  const websiteId = options.websiteId ?? SIMULATED_DATAFAST_DEFAULTS.websiteId;
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  const keepAlive = options.keepProcessAlive ?? false;

  const visitors = new Map<string, Persona>();
  const addVisitor = (p: Persona): void => {
    visitors.set(p.visitorId.toLowerCase(), p);
  };
  for (const p of Object.values(personas)) addVisitor(p);
  for (const p of options.visitors ?? []) addVisitor(p);

  let realtimeOverride: Record<string, unknown> | null = null;
  let active: ActiveFault | null = null;
  let rateLimit: SimulatedRateLimit | null = options.rateLimit ?? null;
  let window: { start: number; used: number } | null = null;
  const calls: RecordedCall[] = [];
  const goals: RecordedGoal[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closing: Promise<void> | null = null;

  /** Takes the current fault for this request, counting down `times`. */
  function takeFault(route: Route): Fault | null {
    if (!active) return null;
    const applies = active.match === 'all' || active.match === route.kind;
    if (!applies) return null;
    const fault = active.fault;
    if (active.remaining !== null) {
      active.remaining -= 1;
      if (active.remaining <= 0) active = null;
    }
    return fault;
  }

  /** DataFast's auth rules: df_ key alone, or dft_ token plus the matching websiteId. */
  function authorize(req: IncomingMessage, query: URLSearchParams): Reply | null {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1];
    if (token === apiKey) return null;
    if (token === accountToken) {
      const requested = query.get('websiteId');
      if (!requested) return errorReply(400, 'websiteId is required for account tokens');
      if (requested !== websiteId) return errorReply(403, 'This token cannot access this website');
      return null;
    }
    return errorReply(401);
  }

  function visitorReply(id: string): Reply {
    if (!id) return errorReply(400, 'visitorId is required');
    if (!UUID_V4.test(id)) return errorReply(400, 'Invalid visitorId: must be a UUID v4');
    const persona = visitors.get(id.toLowerCase()) ?? (options.generateUnknown ? generatedPersona(id.toLowerCase()) : undefined);
    if (!persona || persona.status === 404) return errorReply(404, 'No pageviews found for this visitor');
    if (persona.status === 400) return errorReply(400, 'Visitor is flagged as a bot');
    return successReply(persona.data);
  }

  /**
   * POST /api/v1/goals with DataFast's documented checks, in this order: body, visitor id, name,
   * metadata, then the visitor itself (bot → 400, no pageviews → 404). Records accepted goals.
   */
  function goalReply(body: Body): Reply {
    if (body.kind === 'too-large') return errorReply(413, 'Request body too large');
    if (body.kind !== 'json') return errorReply(400, 'Invalid JSON body');
    const value = body.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return errorReply(400, 'Invalid JSON body');
    const input = value as Record<string, unknown>;

    const rawId = input.datafast_visitor_id ?? input.visitorId;
    if (typeof rawId !== 'string' || rawId === '') return errorReply(400, 'datafast_visitor_id is required');
    if (!UUID_V4.test(rawId)) return errorReply(400, 'Invalid datafast_visitor_id: must be a UUID v4');

    if (typeof input.name !== 'string' || input.name.trim() === '') return errorReply(400, 'name is required');
    const name = input.name.trim().toLowerCase().replace(/ /g, '_');
    if (name === 'identify') return errorReply(400, 'The goal name "identify" is reserved');
    if (!GOAL_NAME.test(name)) {
      return errorReply(400, 'Invalid goal name: use lowercase letters, numbers, underscores, hyphens or colons (max 64 characters)');
    }

    const metadata: Record<string, string> = {};
    if (input.metadata !== undefined && input.metadata !== null) {
      const raw = input.metadata;
      if (typeof raw !== 'object' || Array.isArray(raw)) return errorReply(400, 'metadata must be an object');
      const entries = Object.entries(raw as Record<string, unknown>);
      if (entries.length > MAX_METADATA_KEYS) return errorReply(400, `metadata accepts at most ${MAX_METADATA_KEYS} keys`);
      for (const [key, v] of entries) {
        if (!METADATA_KEY.test(key)) return errorReply(400, `Invalid metadata key "${key.slice(0, 80)}"`);
        if (typeof v !== 'string') return errorReply(400, `metadata.${key} must be a string`);
        if (v.length > MAX_METADATA_VALUE) return errorReply(400, `metadata.${key} is longer than ${MAX_METADATA_VALUE} characters`);
        // "HTML and script content is automatically removed."
        metadata[key] = v.replace(/<[^>]*>/g, '');
      }
    }

    const visitorId = rawId.toLowerCase();
    const persona = visitors.get(visitorId) ?? (options.generateUnknown ? generatedPersona(visitorId) : undefined);
    if (persona?.status === 400) return errorReply(400, 'Visitor is flagged as a bot');
    if (!persona || persona.status === 404) {
      return errorReply(404, 'A visitor needs to have at least one pageview before the goal can be created');
    }

    const eventId = randomBytes(12).toString('hex');
    goals.push({ visitorId, name, metadata, eventId, at: Date.now() });
    return successReply([{ message: 'Custom event created successfully', eventId }]);
  }

  function normalReply(req: IncomingMessage, route: Route, query: URLSearchParams, body: Body): Reply {
    if (route.kind === 'other') return errorReply(404, 'Not found');
    const denied = authorize(req, query);
    if (denied) return denied;
    if (route.kind === 'visitors') return visitorReply(route.id);
    if (route.kind === 'goals') return goalReply(body);
    return successReply(realtimeOverride ?? realtimeSeed());
  }

  /** Counts this request against the rate limit: the headers to send, and whether it is over. */
  function countRequest(): { headers: Record<string, string>; over: boolean } | null {
    if (rateLimit === null) return null;
    const windowMs = rateLimit.windowMs ?? 60_000;
    const now = Date.now();
    if (window === null || now - window.start >= windowMs) window = { start: now, used: 0 };
    window.used += 1;
    const over = window.used > rateLimit.limit;
    const reset = String(Math.max(1, Math.ceil((window.start + windowMs - now) / 1000)));
    const headers = { 'x-ratelimit-limit': String(rateLimit.limit), 'x-ratelimit-remaining': String(Math.max(0, rateLimit.limit - window.used)), 'x-ratelimit-reset': reset };
    return { headers: over ? { ...headers, 'retry-after': reset } : headers, over };
  }

  function send(res: ServerResponse, reply: Reply): void {
    if (res.destroyed || res.writableEnded) return;
    // Serialising per response also hands every caller a fresh copy, so seeds cannot be mutated.
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...reply.headers,
    });
    res.end(text);
  }

  function answer(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    query: URLSearchParams,
    fault: Fault | null,
    body: Body,
  ): void {
    if (res.destroyed) return;
    switch (fault?.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'status':
        send(res, errorReply(fault.status));
        return;
      case 'rate-limit':
        send(
          res,
          errorReply(
            429,
            undefined,
            fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) },
          ),
        );
        return;
      case 'huge-record': {
        const reply = normalReply(req, route, query, body);
        if (route.kind !== 'visitors' || reply.status !== 200) return send(res, reply);
        sendHuge(res, hugeRecord(reply.body, fault.bytes), fault.chunked === true);
        return;
      }
      case 'malformed-json': {
        // A strict prefix of a JSON object is never valid JSON: the body looks cut off mid-transfer.
        // The request was processed (a goal is recorded); only the answer is cut off.
        const full = JSON.stringify(normalReply(req, route, query, body).body);
        const text = full.slice(0, Math.max(1, Math.floor(full.length / 2)));
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      default: {
        const counted = route.kind === 'other' ? null : countRequest();
        if (counted === null) return send(res, normalReply(req, route, query, body));
        const reply = counted.over ? errorReply(429) : normalReply(req, route, query, body);
        send(res, { ...reply, headers: { ...reply.headers, ...counted.headers } });
      }
    }
  }

  function sendHuge(res: ServerResponse, text: string, chunked: boolean): void {
    if (res.destroyed || res.writableEnded) return;
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = Buffer.byteLength(text);
    res.writeHead(200, headers);
    // A client that refuses the body closes the socket; what it did not read is dropped.
    res.on('error', () => undefined);
    for (let at = 0; at < text.length && !res.destroyed; at += HUGE_CHUNK) res.write(text.slice(at, at + HUGE_CHUNK));
    res.end();
  }

  /** Reads the request body (up to MAX_BODY_BYTES); `none` for an empty body. */
  function readBody(req: IncomingMessage): Promise<Body> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) tooLarge = true;
        else chunks.push(chunk);
      });
      req.on('end', () => {
        if (tooLarge) return resolve({ kind: 'too-large' });
        const text = Buffer.concat(chunks).toString('utf8');
        if (text === '') return resolve({ kind: 'none' });
        try {
          resolve({ kind: 'json', value: JSON.parse(text) as unknown });
        } catch {
          resolve({ kind: 'invalid', text });
        }
      });
      // An aborted request never gets an answer; nothing to resolve for.
      req.on('error', () => resolve({ kind: 'none' }));
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const call: RecordedCall = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization ?? null,
      at: Date.now(),
    };
    calls.push(call);
    const route = routeOf(method, url.pathname);
    // Faults are taken in arrival order, before the body is read.
    const fault = takeFault(route);

    if (method === 'GET' || method === 'HEAD') {
      respond(req, res, route, url.searchParams, fault, { kind: 'none' });
      return;
    }
    void readBody(req).then((body) => {
      if (body.kind === 'json') call.body = body.value;
      else if (body.kind === 'invalid') call.body = body.text;
      respond(req, res, route, url.searchParams, fault, body);
    });
  }

  function respond(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    query: URLSearchParams,
    fault: Fault | null,
    body: Body,
  ): void {
    // Hung requests are only ended by the client or by close().
    if (fault?.kind === 'hang') return;

    const delay = latencyMs + (fault?.kind === 'delay' ? Math.max(0, fault.ms) : 0);
    if (delay === 0) {
      answer(req, res, route, query, fault, body);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer(req, res, route, query, fault, body);
    }, delay);
    if (!keepAlive) timer.unref();
    timers.add(timer);
    // A client that gives up should not leave a timer behind.
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  }

  const server = createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (!keepAlive) socket.unref();
  });
  // A client that resets or aborts mid-request must not crash the simulator.
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (!keepAlive) server.unref();

  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    goals,
    callCount(filter) {
      if (!filter) return calls.length;
      return calls.filter((c) => routeOf(c.method, c.path).kind === filter).length;
    },
    resetCalls() {
      calls.length = 0;
      goals.length = 0;
    },
    addVisitor,
    setFault(fault, faultOptions = {}) {
      if (fault === null) {
        active = null;
        return;
      }
      const times = faultOptions.times;
      if (times !== undefined && (!Number.isInteger(times) || times < 1)) {
        throw new RangeError(`setFault: times must be a positive integer, got ${times}`);
      }
      active = { fault, match: faultOptions.match ?? 'all', remaining: times ?? null };
    },
    setRealtime(data) {
      realtimeOverride = data;
    },
    setRateLimit(limit) {
      rateLimit = limit;
      window = null;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        // The callback reports "not running" as an error; closing twice is still a close.
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
      return closing;
    },
  };
}
