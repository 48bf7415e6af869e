// GET /visitor-offers/live as a developer gets it: through visitorOffers() mounted on an Express
// app, over real sockets, against the simulated DataFast. The route's own behaviour on a fake clock
// is specified in live.test.ts; this checks the router wires it up: the shape, no personal data,
// one realtime call however many visitors ask at once, and the router's liveIntervalMs option.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas, realtimeSeed } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { FORBIDDEN_KEYS, keysOf, personalValues, SECRETS } from '../../support/forbidden';
import { captureLog, type CapturedLog } from '../../support/log-capture';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';

let sim: SimulatedDataFast;
let log: CapturedLog;
let baseDir: string;
const mounted: MountedRouter[] = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast();
  baseDir = mkdtempSync(join(tmpdir(), 'vo-live-router-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(baseDir, { recursive: true, force: true });
});
beforeEach(() => {
  sim.setFault(null);
  sim.setRealtime(null);
  sim.resetCalls();
  log = captureLog();
});
afterEach(async () => {
  await Promise.all(mounted.splice(0).map((m) => m.close()));
  for (const secret of SECRETS) expect(log.text()).not.toContain(secret);
});

async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 1000 },
    dataDir: mkdtempSync(join(baseDir, 'data-')),
    logger: log.logger,
    ...options,
  });
  mounted.push(m);
  return m;
}

const live = (m: MountedRouter, cookie?: string) => {
  const r = request(m.server).get('/visitor-offers/live');
  return cookie === undefined ? r : r.set('Cookie', cookie);
};

/** Every personal or precise value in the realtime seed: names, emails, cities, ids, paths. */
function realtimePersonalData(): string[] {
  const PERSONAL = new Set(['name', 'email', 'customerName', 'customerEmail', 'displayName', 'userId', 'city', 'region', 'visitorId', '_id', 'currentUrl', 'path']);
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

describe('GET /visitor-offers/live through the router', () => {
  it('answers { activeVisitors, recentPurchases } with only country, minutes ago, amount and currency', async () => {
    const m = await mount();
    sim.setRealtime(realtimeSeed(Date.now()));
    const res = await live(m);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=15');
    expect(res.body.activeVisitors).toBe(8);
    expect(res.body.recentPurchases).toHaveLength(3);
    for (const p of res.body.recentPurchases as Array<Record<string, unknown>>) {
      expect(Object.keys(p).sort()).toEqual(['amount', 'countryCode', 'currency', 'minutesAgo']);
      expect(p.countryCode === null || /^[A-Z]{2}$/.test(String(p.countryCode))).toBe(true);
      expect(Number.isInteger(p.minutesAgo)).toBe(true);
    }
    expect(res.body.recentPurchases.map((p: { amount: number; currency: string }) => [p.amount, p.currency])).toEqual([
      [49, 'USD'],
      [129, 'USD'],
      [19, 'EUR'],
    ]);
  });

  it('never carries a name, an email, a city, a visitor id, a path, or the key', async () => {
    const m = await mount();
    const res = await live(m, `datafast_visitor_id=${personas.customer.visitorId}`);
    const personal = [...realtimePersonalData(), ...personalValues()];
    for (const known of ['Marc Tremblay', 'marc.tremblay@example.com', 'aiko.tanaka@example.jp', 'Jane Doe', 'Toronto', personas.low.visitorId]) {
      expect(personal).toContain(known);
    }
    for (const value of personal) expect(res.text, `the body leaks ${value}`).not.toContain(value);
    expect(res.text).not.toContain('@');
    const allowed = new Set(['activeVisitors', 'recentPurchases', 'countryCode', 'minutesAgo', 'amount', 'currency']);
    for (const key of keysOf(res.body)) {
      expect(allowed).toContain(key);
      expect(FORBIDDEN_KEYS).not.toContain(key);
    }
    for (const secret of SECRETS) expect(res.text).not.toContain(secret);
    // It is the same for everybody: no per-visitor lookup behind it.
    expect(sim.callCount('visitors')).toBe(0);
  });

  it('20 concurrent requests from different visitors make one realtime call and get the same body', async () => {
    const m = await mount();
    const cookies = Object.values(personas).map((p) => `datafast_visitor_id=${p.visitorId}`);
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => live(m, cookies[i % cookies.length])));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(new Set(responses.map((r) => r.text)).size).toBe(1);
    expect(sim.callCount('realtime')).toBe(1);
    expect(sim.callCount()).toBe(1);
    // And more requests within the interval make none.
    await Promise.all(Array.from({ length: 5 }, () => live(m)));
    expect(sim.callCount('realtime')).toBe(1);
  });

  it('asks DataFast again after liveIntervalMs, and says so in max-age', async () => {
    const m = await mount({ liveIntervalMs: 2000 });
    const first = await live(m);
    expect(first.headers['cache-control']).toBe('public, max-age=2');
    await live(m);
    expect(sim.callCount('realtime')).toBe(1);
    await new Promise((r) => setTimeout(r, 2100));
    await Promise.all(Array.from({ length: 5 }, () => live(m)));
    expect(sim.callCount('realtime')).toBe(2);
  });

  it('answers 200 { activeVisitors: null, recentPurchases: [] } when DataFast has never answered', async () => {
    const m = await mount();
    sim.setFault({ kind: 'status', status: 503 }, { match: 'realtime' });
    const res = await live(m);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ activeVisitors: null, recentPurchases: [] });
  });
});
