// GET /live through a minimal Express app, a LiveSource on a fake clock and the real DataFast
// client against the simulated DataFast over real sockets: shape, headers, one realtime call per
// interval however many visitors ask, stale-if-error, the empty answer, and no personal data.
import express, { type Express } from 'express';
import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas, realtimeSeed } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { DataFastClient } from '../../../server/datafast/client';
import { LiveSource } from '../../../server/live/live-source';
import type { LiveView } from '../../../server/live/live-view';
import { liveHandler } from '../../../server/routes/live';
import { captureLog, type CapturedLog } from '../../support/log-capture';
import { FORBIDDEN_KEYS, keysOf, personalValues, SECRETS } from '../../support/forbidden';

let sim: SimulatedDataFast;
let log: CapturedLog;
const servers: Server[] = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setFault(null);
  sim.setRealtime(null);
  sim.resetCalls();
  log = captureLog();
});
afterEach(async () => {
  for (const secret of SECRETS) expect(log.text()).not.toContain(secret);
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

interface Setup {
  app: Express;
  server: Server;
  source: LiveSource;
  clock: { t: number };
}

/** A real listening server, so concurrent requests share one app, one source and one client. */
async function setup(options: { intervalMs?: number; maxStaleMs?: number; seed?: boolean } = {}): Promise<Setup> {
  const { seed = true, ...sourceOptions } = options;
  const clock = { t: Date.now() };
  // The seed's timestamps are minutes before the fake clock, so minutesAgo is exact.
  if (seed) sim.setRealtime(realtimeSeed(clock.t));
  const client = new DataFastClient({ apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 1000, logger: log.logger });
  const source = new LiveSource({ fetch: () => client.getRealtimeMap(), now: () => clock.t, ...sourceOptions });
  const app = express();
  app.get('/visitor-offers/live', liveHandler({ source, logger: log.logger }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  servers.push(server);
  return { app, server, source, clock };
}

const live = (s: Setup) => request(s.server).get('/visitor-offers/live');
const concurrently = (s: Setup, n: number) => Promise.all(Array.from({ length: n }, () => live(s)));

/** Every string in the raw realtime seed under a key that is personal or precise location. */
function realtimePersonalData(): string[] {
  const PERSONAL = new Set(['name', 'email', 'customerName', 'customerEmail', 'displayName', 'userId', 'city', 'region', 'visitorId', '_id', 'referrer', 'currentUrl', 'path']);
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (PERSONAL.has(k) && typeof v === 'string' && v.length >= 3) out.add(v);
        walk(v);
      }
    }
  };
  walk(realtimeSeed());
  return [...out];
}

describe('GET /live', () => {
  it('answers 200 JSON with the count and recent purchases, newest first', async () => {
    const s = await setup();
    const res = await live(s);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({
      activeVisitors: 8,
      recentPurchases: [
        { countryCode: null, minutesAgo: 2, amount: 49, currency: 'USD' },
        { countryCode: null, minutesAgo: 5, amount: 129, currency: 'USD' },
        { countryCode: null, minutesAgo: 9, amount: 19, currency: 'EUR' },
      ],
    });
  });

  it('is publicly cacheable for one interval, varies with nothing, and is not sniffable', async () => {
    const res = await live(await setup());
    expect(res.headers['cache-control']).toBe('public, max-age=15');
    expect(res.headers['vary']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
  });

  it('derives max-age from the source interval', async () => {
    const res = await live(await setup({ intervalMs: 30_000 }));
    expect(res.headers['cache-control']).toBe('public, max-age=30');
  });

  it('gives every visitor the same body, whatever cookie or query they send', async () => {
    const s = await setup();
    const plain = await live(s);
    const withCookie = await live(s).set('Cookie', `datafast_visitor_id=${personas.customer.visitorId}`);
    const withQuery = await request(s.server).get('/visitor-offers/live?visitor=x&path=/pricing');
    expect(withCookie.text).toBe(plain.text);
    expect(withQuery.text).toBe(plain.text);
    expect(sim.callCount('realtime')).toBe(1);
  });

  it('answers 50 concurrent requests with exactly one realtime call', async () => {
    const s = await setup();
    const responses = await concurrently(s, 50);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(new Set(responses.map((r) => r.text)).size).toBe(1);
    expect(sim.callCount('realtime')).toBe(1);
    expect(sim.callCount('visitors')).toBe(0);
    // Requests arrive over real sockets: some join the fetch in flight, the rest find its result.
    const stats = s.source.stats();
    expect(stats.fetches).toBe(1);
    expect(stats.coalesced + stats.cached).toBe(49);
  });

  it('shares a slow realtime call among the requests that arrive while it is in flight', async () => {
    const s = await setup();
    sim.setFault({ kind: 'delay', ms: 300 }, { match: 'realtime' });
    const responses = await concurrently(s, 50);
    expect(responses.every((r) => (r.body as LiveView).activeVisitors === 8)).toBe(true);
    expect(sim.callCount('realtime')).toBe(1);
    expect(s.source.stats().coalesced).toBeGreaterThan(0);
  });

  it('makes no call within the interval and exactly one more after it', async () => {
    const s = await setup();
    await concurrently(s, 50);
    s.clock.t += 14_999;
    sim.setRealtime({ ...realtimeSeed(s.clock.t), count: 42 });
    const within = await concurrently(s, 50);
    expect(sim.callCount('realtime')).toBe(1);
    expect(within.every((r) => (r.body as LiveView).activeVisitors === 8)).toBe(true);

    s.clock.t += 1;
    const after = await concurrently(s, 50);
    expect(sim.callCount('realtime')).toBe(2);
    expect(after.every((r) => (r.body as LiveView).activeVisitors === 42)).toBe(true);
  });

  it('serves the last good view while DataFast fails, one attempt per interval', async () => {
    const s = await setup();
    const good = await live(s);
    sim.setFault({ kind: 'status', status: 500 }, { match: 'realtime' });
    for (let i = 1; i <= 3; i++) {
      s.clock.t += 15_000;
      const responses = await concurrently(s, 20);
      for (const r of responses) {
        expect(r.status).toBe(200);
        expect((r.body as LiveView).activeVisitors).toBe(8);
        expect((r.body as LiveView).recentPurchases.map((p) => p.amount)).toEqual([49, 129, 19]);
      }
      expect(sim.callCount('realtime')).toBe(1 + i);
    }
    expect(good.status).toBe(200);
    expect(s.source.stats()).toMatchObject({ fetches: 4, failures: 3, lastFailure: 'server-error' });
  });

  it('answers 200 { activeVisitors: null, recentPurchases: [] } when there is no view, without a refetch storm', async () => {
    const s = await setup();
    sim.setFault({ kind: 'status', status: 401 }, { match: 'realtime' });
    const responses = await concurrently(s, 30);
    for (const r of responses) {
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ activeVisitors: null, recentPurchases: [] });
      expect(r.headers['cache-control']).toBe('public, max-age=15');
    }
    s.clock.t += 10_000;
    await concurrently(s, 30);
    expect(sim.callCount('realtime')).toBe(1);
  });

  it('answers null after the last good view is older than maxStaleMs', async () => {
    const s = await setup({ maxStaleMs: 30_000 });
    await live(s);
    sim.setFault({ kind: 'malformed-json' }, { match: 'realtime' });
    s.clock.t += 30_000;
    expect((await live(s)).body.activeVisitors).toBe(8);
    s.clock.t += 15_000;
    expect((await live(s)).body).toEqual({ activeVisitors: null, recentPurchases: [] });
  });

  it('never fails the request when the source itself breaks', async () => {
    const app = express();
    const broken = { intervalMs: 15_000, get: (): Promise<LiveView | null> => Promise.reject(new Error('bug')) };
    const throwing = {
      intervalMs: 15_000,
      get: (): Promise<LiveView | null> => {
        throw new Error('bug');
      },
    };
    app.get('/a', liveHandler({ source: broken, logger: log.logger }));
    app.get('/b', liveHandler({ source: throwing, logger: log.logger }));
    for (const path of ['/a', '/b']) {
      const res = await request(app).get(path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ activeVisitors: null, recentPurchases: [] });
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect(log.text()).toContain('live view failed');
  });

  it('answers HEAD with the headers and no body', async () => {
    const s = await setup();
    const res = await request(s.server).head('/visitor-offers/live');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=15');
    expect(res.text ?? '').toBe('');
  });

  it('never carries names, emails, cities, ids, paths or any field beyond the allowed ones', async () => {
    const s = await setup();
    const res = await live(s);
    const personal = [...realtimePersonalData(), ...personalValues()];
    for (const known of ['Marc Tremblay', 'aiko.tanaka@example.jp', 'lucas.martin@example.fr', 'Jane Doe', 'Toronto', 'Seosan City', '/pricing']) {
      expect(personal).toContain(known);
    }
    for (const value of personal) expect(res.text, `the body leaks ${value}`).not.toContain(value);
    expect(res.text).not.toMatch(/@/);
    const allowed = new Set(['activeVisitors', 'recentPurchases', 'countryCode', 'minutesAgo', 'amount', 'currency']);
    for (const key of keysOf(res.body)) {
      expect(allowed).toContain(key);
      expect(FORBIDDEN_KEYS).not.toContain(key);
    }
    for (const secret of SECRETS) expect(res.text).not.toContain(secret);
  });
});

describe('GET /live with payment events that carry a country', () => {
  it('shows the country of each purchase from its payment event', async () => {
    const now = Date.now();
    const seed = realtimeSeed(now);
    const payments = seed.recentPayments as Array<{ timestamp: string }>;
    const events = payments.map((p, i) => ({
      _id: `evt${i}`,
      type: 'payment',
      visitorId: personas.customer.visitorId,
      timestamp: new Date(Date.parse(p.timestamp) + 800).toISOString(),
      path: '/checkout/success',
      countryCode: ['CA', 'JP', 'FR'][i] ?? null,
      customerName: 'Marc Tremblay',
      amount: 49,
    }));
    sim.setRealtime({ ...seed, recentEvents: [...(seed.recentEvents as unknown[]), ...events] });
    const s = await setup({ seed: false });
    s.clock.t = now;
    const res = await live(s);
    expect((res.body as LiveView).recentPurchases.map((p) => p.countryCode)).toEqual(['CA', 'JP', 'FR']);
    expect(res.text).not.toContain('Marc Tremblay');
    expect(res.text).not.toContain('/checkout');
  });
});
