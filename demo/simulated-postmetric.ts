// A stand-in for PostMetric's HTTP API on 127.0.0.1, for tests, benchmarks and the demo
// (`ANALYTICS_PROVIDER=postmetric npm start`). It speaks the two endpoints the proxy calls
// (GET /api/v1/visitor?visitorId=, POST /api/v1/goal) with PostMetric's envelopes, Bearer auth and
// its documented limit of 100 requests a minute per key, every answer carrying X-RateLimit-Limit,
// -Remaining and -Reset (epoch seconds of the window's end). Faults are injected at run time as in
// the simulated DataFast. It never logs: tests read what happened from `calls` and `goals`.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { generatedPostMetricPersona, postMetricPersonas, type PostMetricPersona } from './postmetric-personas';
import type { Fault, RecordedCall } from './simulated-datafast';

export type { Fault, RecordedCall };

export const SIMULATED_POSTMETRIC_DEFAULTS = {
  apiKey: 'pm_sim_api_key',
  rateLimitPerMinute: 100,
} as const;

export type PostMetricFaultMatch = 'visitors' | 'goals' | 'all';
export type PostMetricCallFilter = Exclude<PostMetricFaultMatch, 'all'>;

export interface PostMetricFaultOptions {
  /** Apply to the next N matching requests only, then clear. Default: until changed. */
  times?: number;
  /** Default 'all'. */
  match?: PostMetricFaultMatch;
}

/** A goal the simulator accepted (POST /api/v1/goal answered 200). */
export interface RecordedPostMetricGoal {
  visitorId: string;
  event: string;
  value: number | null;
  at: number;
}

export interface SimulatedPostMetricOptions {
  port?: number;
  apiKey?: string;
  /** Requests a minute per key before 429 (PostMetric: 100). */
  rateLimitPerMinute?: number;
  visitors?: PostMetricPersona[];
  /** Answer any valid unseeded id with a record derived from it instead of 404. */
  generateUnknown?: boolean;
  latencyMs?: number;
  keepProcessAlive?: boolean;
  /** The clock of the rate-limit window. Default Date.now. */
  now?: () => number;
}

export interface SimulatedPostMetric {
  readonly url: string;
  readonly port: number;
  readonly calls: RecordedCall[];
  readonly goals: RecordedPostMetricGoal[];
  callCount(filter?: PostMetricCallFilter): number;
  /** How many answers were 429 (its own rate limit, or an injected `rate-limit` fault). */
  rateLimitedCount(): number;
  /** Empties `calls` and `goals`, and starts a fresh rate-limit window. */
  resetCalls(): void;
  addVisitor(persona: PostMetricPersona): void;
  /** Changes the requests a minute per key (null: back to the one it started with); the window starts afresh. */
  setRateLimit(perMinute: number | null): void;
  setFault(fault: Fault | null, options?: PostMetricFaultOptions): void;
  close(): Promise<void>;
}

type Route = 'visitors' | 'goals' | 'other';
type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'invalid'; text: string } | { kind: 'too-large' };

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_BODY_BYTES = 64 * 1024;
const WINDOW_MS = 60_000;

const MESSAGES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized. Invalid or missing API key.',
  404: 'Visitor not found',
  429: 'Rate limit exceeded',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

const errorReply = (status: number, message?: string): Reply => ({ status, body: { status: 'error', error: { code: status, message: message ?? MESSAGES[status] ?? 'Error' } } });
const successReply = (data: unknown): Reply => ({ status: 200, body: { status: 'success', data } });

function routeOf(method: string, pathname: string): Route {
  if (method === 'GET' && /^\/api\/v1\/visitor\/?$/.test(pathname)) return 'visitors';
  if (method === 'POST' && /^\/api\/v1\/goal\/?$/.test(pathname)) return 'goals';
  return 'other';
}

/** A visitor envelope grown past `bytes` with page views: valid JSON a careless client would cache whole. */
function hugeRecord(envelope: unknown, bytes: number): string {
  const copy = structuredClone(envelope) as { data: { pageViews?: unknown[] } };
  const pages = (copy.data.pageViews ??= []);
  const item = { path: `/${'p'.repeat(200)}`, title: 't'.repeat(100), timestamp: '2026-02-05T06:00:00.000Z', referrer: '' };
  const each = JSON.stringify(item).length + 1;
  for (let size = JSON.stringify(copy).length; size < bytes; size += each) pages.push(item);
  return JSON.stringify(copy);
}

export async function startSimulatedPostMetric(options: SimulatedPostMetricOptions = {}): Promise<SimulatedPostMetric> {
  const apiKey = options.apiKey ?? SIMULATED_POSTMETRIC_DEFAULTS.apiKey;
  const startLimit = options.rateLimitPerMinute ?? SIMULATED_POSTMETRIC_DEFAULTS.rateLimitPerMinute;
  let limit = startLimit;
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  const keepAlive = options.keepProcessAlive ?? false;
  const now = options.now ?? Date.now;

  const visitors = new Map<string, PostMetricPersona>();
  const addVisitor = (p: PostMetricPersona): void => void visitors.set(p.visitorId, p);
  for (const p of Object.values(postMetricPersonas)) addVisitor(p);
  for (const p of options.visitors ?? []) addVisitor(p);

  let active: { fault: Fault; match: PostMetricFaultMatch; remaining: number | null } | null = null;
  let window = { start: now(), used: 0 };
  const calls: RecordedCall[] = [];
  let rateLimited = 0;
  const goals: RecordedPostMetricGoal[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closing: Promise<void> | null = null;

  function takeFault(route: Route): Fault | null {
    if (!active || (active.match !== 'all' && active.match !== route)) return null;
    const fault = active.fault;
    if (active.remaining !== null && --active.remaining <= 0) active = null;
    return fault;
  }

  /** Counts the request against the key's window; the headers every answer carries. */
  function countRequest(): { allowed: boolean; headers: Record<string, string> } {
    const t = now();
    if (t - window.start >= WINDOW_MS) window = { start: t, used: 0 };
    window.used += 1;
    const resetAt = Math.ceil((window.start + WINDOW_MS) / 1000);
    const headers = { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(Math.max(0, limit - window.used)), 'x-ratelimit-reset': String(resetAt) };
    return { allowed: window.used <= limit, headers };
  }

  function personaOf(id: string): PostMetricPersona | undefined {
    return visitors.get(id) ?? (options.generateUnknown ? generatedPostMetricPersona(id) : undefined);
  }

  function visitorReply(query: URLSearchParams): Reply {
    const id = query.get('visitorId');
    if (!id) return errorReply(400, 'visitorId parameter is required');
    const persona = ID.test(id) ? personaOf(id) : undefined;
    if (!persona || persona.status === 404) return errorReply(404, 'Visitor not found');
    return successReply(persona.data);
  }

  function goalReply(body: Body): Reply {
    if (body.kind === 'too-large') return errorReply(413, 'Request body too large');
    if (body.kind !== 'json' || typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) return errorReply(400, 'Invalid JSON body');
    const input = body.value as Record<string, unknown>;
    if (typeof input.event !== 'string' || input.event.trim() === '') return errorReply(400, 'event parameter is required');
    if (input.value !== undefined && (typeof input.value !== 'number' || !Number.isFinite(input.value))) return errorReply(400, 'value must be a number');
    const visitorId = typeof input.visitorId === 'string' ? input.visitorId : '';
    if (!ID.test(visitorId)) return errorReply(400, 'visitorId is invalid');
    goals.push({ visitorId, event: input.event, value: typeof input.value === 'number' ? input.value : null, at: Date.now() });
    return successReply({ message: 'Goal event tracked successfully', eventId: randomBytes(8).toString('hex') });
  }

  function normalReply(req: IncomingMessage, route: Route, query: URLSearchParams, body: Body): Reply {
    if (route === 'other') return errorReply(404, 'Not found');
    const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token !== apiKey) return errorReply(401);
    return route === 'visitors' ? visitorReply(query) : goalReply(body);
  }

  function send(res: ServerResponse, reply: Reply, rateHeaders: Record<string, string>): void {
    if (res.destroyed || res.writableEnded) return;
    if (reply.status === 429) rateLimited++;
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...rateHeaders, ...reply.headers });
    res.end(text);
  }

  function answer(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams, fault: Fault | null, body: Body): void {
    if (res.destroyed) return;
    const rate = countRequest();
    if (!rate.allowed) return send(res, errorReply(429), rate.headers);
    switch (fault?.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'status':
        return send(res, errorReply(fault.status), rate.headers);
      case 'rate-limit': {
        // A 429 whose reset is `retryAfterSeconds` away (or the window's end).
        const reset = fault.retryAfterSeconds === undefined ? rate.headers['x-ratelimit-reset'] : String(Math.ceil(now() / 1000) + fault.retryAfterSeconds);
        return send(res, errorReply(429), { ...rate.headers, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset ?? '' });
      }
      case 'huge-record': {
        const reply = normalReply(req, route, query, body);
        if (route !== 'visitors' || reply.status !== 200) return send(res, reply, rate.headers);
        const text = hugeRecord(reply.body, fault.bytes);
        res.on('error', () => undefined);
        res.writeHead(200, { 'content-type': 'application/json', ...rate.headers, ...(fault.chunked ? {} : { 'content-length': String(Buffer.byteLength(text)) }) });
        for (let at = 0; at < text.length && !res.destroyed; at += 64 * 1024) res.write(text.slice(at, at + 64 * 1024));
        res.end();
        return;
      }
      case 'malformed-json': {
        const full = JSON.stringify(normalReply(req, route, query, body).body);
        const text = full.slice(0, Math.max(1, Math.floor(full.length / 2)));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...rate.headers });
        res.end(text);
        return;
      }
      default:
        send(res, normalReply(req, route, query, body), rate.headers);
    }
  }

  function readBody(req: IncomingMessage): Promise<Body> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      req.on('end', () => {
        if (size > MAX_BODY_BYTES) return resolve({ kind: 'too-large' });
        const text = Buffer.concat(chunks).toString('utf8');
        if (text === '') return resolve({ kind: 'none' });
        try {
          resolve({ kind: 'json', value: JSON.parse(text) as unknown });
        } catch {
          resolve({ kind: 'invalid', text });
        }
      });
      req.on('error', () => resolve({ kind: 'none' }));
    });
  }

  function respond(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams, fault: Fault | null, body: Body): void {
    if (fault?.kind === 'hang') return;
    const delay = latencyMs + (fault?.kind === 'delay' ? Math.max(0, fault.ms) : 0);
    if (delay === 0) return answer(req, res, route, query, fault, body);
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer(req, res, route, query, fault, body);
    }, delay);
    if (!keepAlive) timer.unref();
    timers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const call: RecordedCall = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization ?? null, at: Date.now() };
    calls.push(call);
    const route = routeOf(method, url.pathname);
    const fault = takeFault(route);
    if (method === 'GET' || method === 'HEAD') return respond(req, res, route, url.searchParams, fault, { kind: 'none' });
    void readBody(req).then((body) => {
      if (body.kind === 'json') call.body = body.value;
      else if (body.kind === 'invalid') call.body = body.text;
      respond(req, res, route, url.searchParams, fault, body);
    });
  }

  const server = createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (!keepAlive) socket.unref();
  });
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
      return filter ? calls.filter((c) => routeOf(c.method, c.path) === filter).length : calls.length;
    },
    rateLimitedCount: () => rateLimited,
    resetCalls() {
      calls.length = 0;
      rateLimited = 0;
      goals.length = 0;
      window = { start: now(), used: 0 };
    },
    addVisitor,
    setRateLimit(perMinute) {
      limit = perMinute ?? startLimit;
      window = { start: now(), used: 0 };
    },
    setFault(fault, faultOptions = {}) {
      if (fault === null) {
        active = null;
        return;
      }
      const times = faultOptions.times;
      if (times !== undefined && (!Number.isInteger(times) || times < 1)) throw new RangeError(`setFault: times must be a positive integer, got ${times}`);
      active = { fault, match: faultOptions.match ?? 'all', remaining: times ?? null };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
      return closing;
    },
  };
}
