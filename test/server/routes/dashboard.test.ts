// GET /visitor-offers/dashboard (the HTML shell) and /dashboard/data (the snapshot) through the real
// router over real sockets, against the simulated DataFast: 404 without an admin token, 401 without
// or with a wrong bearer, 200 with the right one or in 'open' mode; a shell with no inline script;
// no-store data; the realtime map fetched once for concurrent requests and at most once per 5 s.
import express from 'express';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import type { DashboardSnapshot } from '../../../server/dashboard/snapshot';
import type { RealtimeLookup } from '../../../server/datafast/client';
import type { RealtimeMap } from '../../../server/datafast/realtime';
import { buildPolicy } from '../../../server/decision/policy';
import type { Experiment } from '../../../server/experiments/types';
import {visitorOffers } from '../../../server/router';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { BearerGuard } from '../../../server/http/auth';
import { silentLogger } from '../../../server/logger';
import { DASHBOARD_INTERVAL_MS, dashboardRoutes } from '../../../server/routes/dashboard';
import { widgetRoutes } from '../../../server/routes/widget';
import { openStoreRef } from '../../../server/store/store-ref';
import { SECRETS } from '../../support/forbidden';
import { captureLog, type CapturedLog } from '../../support/log-capture';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { signedToken } from '../../support/decision-tokens';

const TOKEN = 'dashboard-admin-token-0123456789';
const HERO: Experiment = {
  id: 'hero',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
  ],
};

let sim: SimulatedDataFast;
let log: CapturedLog;
let baseDir: string;
const mounted: MountedRouter[] = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast();
  baseDir = mkdtempSync(join(tmpdir(), 'vo-dashboard-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(baseDir, { recursive: true, force: true });
});
beforeEach(() => {
  sim.resetCalls();
  sim.setFault(null);
  log = captureLog();
});
afterEach(async () => {
  await Promise.all(mounted.splice(0).map((m) => m.close(1000)));
  for (const secret of [...SECRETS, TOKEN]) expect(log.text()).not.toContain(secret);
});

async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 1000 },
    decisions: { experiments: [HERO], rules: [{ id: 'ab', when: { segment: ['high'] }, then: { experiment: HERO.id } }] },
    dataDir: mkdtempSync(join(baseDir, 'data-')),
    adminToken: TOKEN,
    logger: log.logger,
    ...options,
  });
  mounted.push(m);
  return m;
}

const data = (m: MountedRouter, authorization: string | null = `Bearer ${TOKEN}`) => {
  const r = request(m.server).get('/visitor-offers/dashboard/data');
  return authorization === null ? r : r.set('Authorization', authorization);
};

describe('who may open the dashboard', () => {
  it('answers 404 on both routes when no admin token is configured (protected, the default)', async () => {
    const m = await mount({ adminToken: null });
    for (const path of ['/visitor-offers/dashboard', '/visitor-offers/dashboard/data']) {
      const res = await request(m.server).get(path).set('Authorization', `Bearer ${TOKEN}`);
      expect(res.status, path).toBe(404);
      expect(res.body).toEqual({ error: 'not enabled: set ADMIN_TOKEN' });
    }
    expect(sim.callCount('realtime')).toBe(0);
  });

  it.each([
    ['no Authorization header', null],
    ['a wrong token', 'Bearer wrong-token-0123456789abcdef'],
    ['a prefix of the real token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['an empty bearer', 'Bearer '],
    ['the token without the Bearer scheme', TOKEN],
  ])('%s → 401 with a Bearer challenge, no data, no DataFast call', async (_label, authorization) => {
    const m = await mount();
    const res = await data(m, authorization);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="visitor-offers"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ error: 'admin token required' });
    expect(sim.callCount('realtime')).toBe(0);
  });

  it('answers 200 with the snapshot for the right token (any case of the scheme), no-store', async () => {
    const m = await mount();
    for (const scheme of ['Bearer', 'bearer']) {
      const res = await data(m, `${scheme} ${TOKEN}`);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = res.body as DashboardSnapshot;
      expect(body.activeVisitors).toBeGreaterThan(0);
      expect(body.visitors.find((v) => v.visitorId === personas.low.visitorId.slice(0, 8))).toMatchObject({
        segment: 'low',
        offer: { id: 'welcome-coupon', kind: 'coupon' },
        reason: 'rule:default-low',
      });
      const high = body.visitors.find((v) => v.visitorId === personas.high.visitorId.slice(0, 8));
      expect(high?.experiment?.id).toBe('hero');
      expect(body.experiments.map((e) => e.id)).toEqual(['hero']);
      expect(body.recentPayments.length).toBeGreaterThan(0);
    }
  });

  it("'open' mode answers 200 without any token, even with no admin token configured", async () => {
    const m = await mount({ dashboard: 'open', adminToken: null });
    const res = await data(m, null);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect((res.body as DashboardSnapshot).visitors.length).toBeGreaterThan(0);
    const shell = await request(m.server).get('/visitor-offers/dashboard');
    expect(shell.status).toBe(200);
    expect(shell.text).toContain('<visitor-offers-dashboard auth="open">');
  });

  it('rejects an unknown dashboard option at mount time', () => {
    expect(() =>
      visitorOffers({
        datafast: { apiKey: SIM.apiKey, apiUrl: sim.url },
        dataDir: mkdtempSync(join(baseDir, 'data-')),
        dashboard: 'public' as unknown as 'open',
      }),
    ).toThrow(/^dashboard: expected one of "open", "protected", got string "public"$/);
  });
});

describe('the HTML shell', () => {
  it('loads dashboard.js from the mount path and holds no inline script, style or data', async () => {
    const m = await mount();
    const res = await request(m.server).get('/visitor-offers/dashboard');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = res.text;
    // Every script is an external file; no <style>, no style attribute, no event-handler attribute.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]?.[1]).toMatch(/\bsrc="dashboard\.js"/);
    expect(scripts[0]?.[2]?.trim()).toBe('');
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).toContain('<visitor-offers-dashboard auth="token">');
    // No data: the page asks /dashboard/data itself.
    expect(html).not.toContain(personas.low.visitorId.slice(0, 8));
    expect(sim.callCount('realtime')).toBe(0);
  });

  it('redirects dashboard/ to dashboard, so the relative script URL resolves under the mount path', async () => {
    const m = await mount();
    const res = await request(m.server).get('/visitor-offers/dashboard/');
    expect(res.status).toBe(301);
    expect(new URL(res.headers.location as string, `${m.origin}/visitor-offers/dashboard/`).pathname).toBe('/visitor-offers/dashboard');
  });
});

describe('the data', () => {
  it('carries no names, emails, cities, coordinates, full visitor ids or secrets', async () => {
    const m = await mount({ dashboard: 'open' });
    const res = await data(m, null);
    expect(res.status).toBe(200);
    for (const value of ['Marc Tremblay', 'marc.tremblay@example.com', 'Aiko Tanaka', 'Jane Doe', 'jane@example.com', 'Berlin', 'Toronto', '52.52', ...SECRETS]) {
      expect(res.text, value).not.toContain(value);
    }
    expect(res.text).not.toContain('@');
    for (const p of Object.values(personas)) expect(res.text).not.toContain(p.visitorId);
  });

  it('fetches the realtime map once for many concurrent requests, and not again within 5 s', async () => {
    const m = await mount({ dashboard: 'open' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => data(m, null)));
    for (const a of answers) expect(a.status).toBe(200);
    expect(sim.callCount('realtime')).toBe(1);
    const again = await Promise.all(Array.from({ length: 5 }, () => data(m, null)));
    for (const a of again) expect(a.status).toBe(200);
    expect(sim.callCount('realtime')).toBe(1);
    // /live keeps its own, longer-lived view: the dashboard does not change what it fetches.
    expect((await request(m.server).get('/visitor-offers/live')).status).toBe(200);
  });

  it('still answers 200 when DataFast fails: no visitors, the cause, and the experiments', async () => {
    sim.setFault({ kind: 'status', status: 503 }, { match: 'realtime' });
    const m = await mount({ dashboard: 'open' });
    const res = await data(m, null);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ activeVisitors: null, visitors: [], realtimeProblem: 'server-error' });
    expect((res.body as DashboardSnapshot).experiments.map((e) => e.id)).toEqual(['hero']);
  });
});

describe('dashboardRoutes with a fake clock', () => {
  /** A map with `count` visitors (no rows needed for counting fetches). */
  const mapOf = (count: number): RealtimeMap => ({ count, visitors: [], recentEvents: [], recentPayments: [] });

  it(`fetches at most once per ${DASHBOARD_INTERVAL_MS / 1000} s, whatever the traffic`, async () => {
    let t = Date.parse('2026-02-06T12:00:00.000Z');
    let fetches = 0;
    const fetchMap = async (): Promise<RealtimeLookup> => {
      fetches++;
      await new Promise((r) => setTimeout(r, 5));
      return { kind: 'found', map: mapOf(fetches) };
    };
    const store = openStoreRef({ dataDir: mkdtempSync(join(baseDir, 'data-')) });
    const app = express();
    app.use(
      dashboardRoutes({
        policy: () => buildPolicy(),
        store,
        fetchMap,
        adminToken: null,
        access: 'open',
        guard: new BearerGuard({ failuresPerMinute: 10, logger: silentLogger() }),
        now: () => t,
      }),
    );
    const get = async (): Promise<number | null> => ((await request(app).get('/dashboard/data')).body as DashboardSnapshot).activeVisitors;
    expect(await Promise.all([get(), get(), get()])).toEqual([1, 1, 1]);
    t += DASHBOARD_INTERVAL_MS - 1;
    expect(await get()).toBe(1);
    expect(fetches).toBe(1);
    t += 1;
    expect(await Promise.all([get(), get()])).toEqual([2, 2]);
    expect(fetches).toBe(2);
    await (await store.ready).close();
  });
});

describe('GET /dashboard.js', () => {
  it('is served from dist/widget like widget.js: ETag, short public caching, 304', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vo-dashboard-js-'));
    writeFileSync(join(dir, 'widget.js'), 'console.log("widget");\n');
    writeFileSync(join(dir, 'dashboard.js'), 'console.log("dashboard");\n');
    writeFileSync(join(dir, 'dashboard.js.map'), '{"version":3,"mappings":""}');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ esm: 'widget.js', iife: 'widget.iife.js', hashed: 'widget.0123abcd.js', dashboard: 'dashboard.js' }));
    const app = express();
    app.use('/visitor-offers', widgetRoutes({ dir }));
    const res = await request(app).get('/visitor-offers/dashboard.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.text).toBe('console.log("dashboard");\n');
    const etag = res.headers.etag as string;
    expect((await request(app).get('/visitor-offers/dashboard.js').set('if-none-match', etag)).status).toBe(304);
    // Its source map only with sourceMaps: 'public' (routes/widget.ts).
    expect((await request(app).get('/visitor-offers/dashboard.js.map')).status).toBe(404);
  });

  it('answers a clear 404 when the build has no dashboard', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vo-dashboard-js-'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ esm: 'widget.js', iife: 'widget.iife.js', hashed: 'widget.0123abcd.js' }));
    const app = express();
    app.use('/visitor-offers', widgetRoutes({ dir }));
    const res = await request(app).get('/visitor-offers/dashboard.js');
    expect(res.status).toBe(404);
    expect(res.text).toMatch(/not built/);
  });
});

describe('single-use codes on the dashboard', () => {
  it('shows each pooled coupon’s codes left, held and claimed, and its level; coupons with one code are not listed', async () => {
    const pool = join(mkdtempSync(join(baseDir, 'pool-')), 'codes.txt');
    writeFileSync(pool, 'D1\nD2\nD3\n');
    const coupon = { kind: 'coupon', placement: 'slide-in', trigger: { type: 'immediate' }, headline: 'Yours', body: 'One code each.', discountLabel: '10% off', expiresInMinutes: null } as const;
    const m = await mount({
      decisions: {
        offers: [{ ...coupon, id: 'pooled', code: null, codePool: pool }, { ...coupon, id: 'fixed', code: 'EVERYONE10', codePool: null }],
        rules: [{ id: 'everyone', when: {}, then: { offer: 'pooled' } }],
      },
      codes: { lowStockWarning: 2 },
    });
    expect(((await data(await mount())).body as DashboardSnapshot).coupons).toEqual([]);
    const empty = (await data(m)).body as DashboardSnapshot;
    expect(empty.coupons).toEqual([{ offerId: 'pooled', poolSize: 3, left: 3, held: 0, claimed: 0, level: 'ok' }]);
    for (const visitor of [personas.low.visitorId, personas.average.visitorId]) {
      const res = await request(m.server).get('/visitor-offers/offer?path=/pricing').set('Cookie', `datafast_visitor_id=${visitor}`);
      expect(res.body.offer.code).toMatch(/^D[12]$/);
    }
    const token = await signedToken(m.router, { visitorId: personas.low.visitorId, offerId: 'pooled', experiment: null });
    const seen = await request(m.server).post('/visitor-offers/events').set('Origin', m.origin).set('Cookie', `datafast_visitor_id=${personas.low.visitorId}`).send({ type: 'exposure', offerId: 'pooled', token });
    expect(seen.status).toBe(202);
    const body = (await data(m)).body as DashboardSnapshot;
    expect(body.coupons).toEqual([{ offerId: 'pooled', poolSize: 3, left: 1, held: 1, claimed: 1, level: 'low' }]);
  });
});
