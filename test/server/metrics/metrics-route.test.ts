// GET /metrics as a host app mounts it (`app.get('/metrics', router.metrics())`), over real
// sockets, with the real router, store and simulated DataFast: Prometheus text whose values follow
// the traffic (requests by route, DataFast calls, cache hits, rate-limit refusals, pool codes),
// readable with the admin token only unless made public, and separate for two routers in one process.
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import type { CouponOffer } from '../../../server/decision/offer';
import { visitorOffers } from '../../../server/router';
import { internalsOf } from '../../../server/router-internals';
import type { MountedRouter } from '../../support/mounted-router';
import { parseScrape, type Scrape } from '../../support/prometheus';
import { useRouteSuite } from '../../support/route-suite';
import { visitorIds } from '../../support/visitor-ids';
import { signedToken } from '../../support/decision-tokens';

const TOKEN = 'metrics-admin-token-4f9c2d7e1b8a6035';
const LOW = personas.low.visitorId;
const suite = useRouteSuite('metrics', { sim: { generateUnknown: true }, secrets: [TOKEN] });

/** The router at /visitor-offers, its metrics at /metrics, and a host page the router passes on. */
async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  const router = visitorOffers({
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
    dataDir: mkdtempSync(join(suite.baseDir, 'data-')),
    logger: suite.log.logger,
    ...options,
  });
  // Until its store is open, a router is not ready and has no pool to count.
  await internalsOf(router).store.ready;
  const app = express();
  app.use('/visitor-offers', router);
  app.get('/visitor-offers/host-page', (_req, res) => void res.send('the host app'));
  app.get('/metrics', router.metrics());
  app.use('/metrics-any-method', router.metrics());
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return suite.track({
    router,
    server,
    origin,
    close: async (timeoutMs = 500) => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await router.close(timeoutMs);
    },
  });
}

async function scrape(m: MountedRouter): Promise<Scrape> {
  const res = await request(m.server).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
  expect(res.status).toBe(200);
  return parseScrape(res.text);
}

const offer = (m: MountedRouter, visitor: string) => request(m.server).get('/visitor-offers/offer?path=/pricing').set('Cookie', `datafast_visitor_id=${visitor}`);
const OFFER_OK = { route: '/offer', method: 'GET', status_class: '2xx' };

describe('GET /metrics', () => {
  it("is Prometheus text: the router's metrics, each with its type, then the process's (CPU, memory, event-loop lag)", async () => {
    const m = await mount({ adminToken: TOKEN });
    const res = await request(m.server).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    const { types, value } = parseScrape(res.text);
    const expected: Record<string, string> = {
      visitor_offers_http_requests_total: 'counter',
      visitor_offers_http_request_duration_seconds: 'histogram',
      visitor_offers_upstream_requests_total: 'counter',
      visitor_offers_upstream_request_duration_seconds: 'histogram',
      visitor_offers_upstream_breaker_state: 'gauge',
      visitor_offers_upstream_breaker_opened_total: 'counter',
      visitor_offers_cache_hits_total: 'counter',
      visitor_offers_cache_misses_total: 'counter',
      visitor_offers_cache_coalesced_total: 'counter',
      visitor_offers_cache_entries: 'gauge',
      visitor_offers_cache_bytes: 'gauge',
      visitor_offers_outbox_queued: 'gauge',
      visitor_offers_outbox_in_flight: 'gauge',
      visitor_offers_outbox_failed: 'gauge',
      visitor_offers_outbox_rejected: 'gauge',
      visitor_offers_outbox_capacity: 'gauge',
      visitor_offers_outbox_delivered_total: 'counter',
      visitor_offers_outbox_retries_total: 'counter',
      visitor_offers_outbox_dropped_total: 'counter',
      visitor_offers_leads_stored: 'gauge',
      visitor_offers_coupon_codes_left: 'gauge',
      visitor_offers_rate_limit_refusals_total: 'counter',
      visitor_offers_store_writable: 'gauge',
      visitor_offers_ready: 'gauge',
      visitor_offers_reconcile_lookups_total: 'counter',
      visitor_offers_reconcile_conversions_total: 'counter',
      visitor_offers_reconcile_failures_total: 'counter',
      visitor_offers_reconcile_budget_per_minute: 'gauge',
      visitor_offers_reconcile_budget_available: 'gauge',
      visitor_offers_bandit_weight: 'gauge',
      visitor_offers_bandit_reallocations_total: 'counter',
      visitor_offers_bandit_read_failures_total: 'counter',
      process_cpu_user_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_eventloop_lag_p99_seconds: 'gauge',
    };
    expect(Object.fromEntries(Object.keys(expected).map((name) => [name, types.get(name)]))).toEqual(expected);
    expect(value('visitor_offers_ready')).toBe(1);
    expect(value('visitor_offers_store_writable')).toBe(1);
    expect(value('visitor_offers_outbox_capacity')).toBe(100_000);
    for (const kind of ['datafast', 'webhook']) expect(value('visitor_offers_outbox_queued', { kind })).toBe(0);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
    // Each DataFast breaker, closed.
    for (const endpoint of ['visitors', 'realtime', 'goals']) {
      expect(value('visitor_offers_upstream_breaker_state', { endpoint, state: 'closed' })).toBe(1);
      expect(value('visitor_offers_upstream_breaker_state', { endpoint, state: 'open' })).toBe(0);
    }
  });

  it('counts an /offer under its route; the same visitor again is a cache hit, not a second DataFast call', async () => {
    const m = await mount({ adminToken: TOKEN });
    const before = await scrape(m);
    expect(before.value('visitor_offers_http_requests_total', OFFER_OK)).toBe(0);

    expect((await offer(m, LOW)).status).toBe(200);
    const once = await scrape(m);
    expect(once.value('visitor_offers_http_requests_total', OFFER_OK)).toBe(1);
    expect(once.value('visitor_offers_http_request_duration_seconds_count', OFFER_OK)).toBe(1);
    expect(once.value('visitor_offers_upstream_requests_total', { endpoint: 'visitors', outcome: 'found', cause: 'none' })).toBe(1);
    expect(once.value('visitor_offers_upstream_request_duration_seconds_count', { endpoint: 'visitors', outcome: 'found' })).toBe(1);
    expect(once.value('visitor_offers_cache_misses_total')).toBe(1);
    expect(once.value('visitor_offers_cache_hits_total')).toBe(0);
    expect(once.value('visitor_offers_cache_entries')).toBe(1);
    expect(once.value('visitor_offers_cache_bytes')).toBeGreaterThan(before.value('visitor_offers_cache_bytes'));

    expect((await offer(m, LOW)).status).toBe(200);
    const twice = await scrape(m);
    expect(twice.value('visitor_offers_http_requests_total', OFFER_OK)).toBe(2);
    expect(twice.value('visitor_offers_cache_hits_total')).toBe(1);
    expect(twice.value('visitor_offers_upstream_requests_total', { endpoint: 'visitors', outcome: 'found', cause: 'none' })).toBe(1);
    expect(suite.sim.callCount('visitors')).toBe(1);
  });

  it('counts requests for one cold visitor that joined a DataFast call already in flight as coalesced', async () => {
    const m = await mount({ adminToken: TOKEN });
    suite.sim.setFault({ kind: 'delay', ms: 100 }, { match: 'visitors' });
    await Promise.all(Array.from({ length: 5 }, () => offer(m, LOW)));
    const s = await scrape(m);
    expect(s.value('visitor_offers_cache_misses_total')).toBe(5);
    expect(s.value('visitor_offers_cache_coalesced_total')).toBe(4);
    expect(s.value('visitor_offers_upstream_requests_total', { endpoint: 'visitors', outcome: 'found', cause: 'none' })).toBe(1);
    expect(s.value('visitor_offers_http_requests_total', OFFER_OK)).toBe(5);
  });

  it('counts a DataFast failure by outcome and cause, and the /offer answered anyway under 2xx', async () => {
    const m = await mount({ adminToken: TOKEN });
    suite.sim.setFault({ kind: 'status', status: 500 }, { match: 'visitors' });
    expect((await offer(m, LOW)).body).toMatchObject({ reason: 'upstream-unavailable' });
    const s = await scrape(m);
    expect(s.value('visitor_offers_upstream_requests_total', { endpoint: 'visitors', outcome: 'unavailable', cause: 'server-error' })).toBe(1);
    expect(s.value('visitor_offers_upstream_requests_total', { endpoint: 'visitors', outcome: 'found' })).toBe(0);
    expect(s.value('visitor_offers_http_requests_total', OFFER_OK)).toBe(1);
  });

  it('counts a 429 of a rate limit as a refusal of that limit, and the request under 4xx', async () => {
    const m = await mount({ adminToken: TOKEN, limits: { leadsPerMinutePerIp: 1 } });
    const token = await signedToken(m.router, { visitorId: LOW, offerId: 'starter-guide', experiment: null });
    const lead = () =>
      request(m.server).post('/visitor-offers/leads').set('Origin', m.origin).set('Cookie', `datafast_visitor_id=${LOW}`).send({ email: 'reader@example.com', offerId: 'starter-guide', token });
    expect((await lead()).status).toBe(202);
    expect((await scrape(m)).value('visitor_offers_rate_limit_refusals_total', { limit: 'leads_per_ip' })).toBe(0);
    expect((await lead()).status).toBe(429);
    const s = await scrape(m);
    expect(s.value('visitor_offers_rate_limit_refusals_total', { limit: 'leads_per_ip' })).toBe(1);
    expect(s.value('visitor_offers_rate_limit_refusals_total', { limit: 'events_per_ip' })).toBe(0);
    expect(s.value('visitor_offers_http_requests_total', { route: '/leads', method: 'POST', status_class: '4xx' })).toBe(1);
    expect(s.value('visitor_offers_http_requests_total', { route: '/leads', method: 'POST', status_class: '2xx' })).toBe(1);
    expect(s.value('visitor_offers_leads_stored')).toBe(1);
  });

  it('shows the codes left in a pool going down as codes are held, and held codes turning claimed as they are seen', async () => {
    const pool = join(mkdtempSync(join(suite.baseDir, 'pool-')), 'codes.txt');
    writeFileSync(pool, 'CODE-A\nCODE-B\nCODE-C\n');
    const coupon: CouponOffer = {
      id: 'pooled',
      kind: 'coupon',
      placement: 'slide-in',
      trigger: { type: 'immediate' },
      headline: 'Just for you',
      body: 'One code each.',
      code: null,
      codePool: pool,
      discountLabel: '20% off',
      expiresInMinutes: null,
    };
    const m = await mount({ adminToken: TOKEN, offers: [coupon], rules: [{ id: 'everyone', when: {}, then: { offer: 'pooled' } }] });
    const left = async () => (await scrape(m)).value('visitor_offers_coupon_codes_left', { offer: 'pooled' });
    expect(await left()).toBe(3);
    const [a, b] = visitorIds(2, 'metrics-pool');
    expect((await offer(m, a ?? '')).body.offer).toMatchObject({ code: 'CODE-A' });
    expect(await left()).toBe(2);
    expect((await offer(m, b ?? '')).body.offer).toMatchObject({ code: 'CODE-B' });
    expect(await left()).toBe(1);
    // The same visitor keeps their code: nothing more is handed out.
    await offer(m, a ?? '');
    expect(await left()).toBe(1);
    expect((await scrape(m)).value('visitor_offers_coupon_pool_codes', { offer: 'pooled' })).toBe(3);
    const heldAndClaimed = async () => {
      const s = await scrape(m);
      return [s.value('visitor_offers_coupon_codes_held', { offer: 'pooled' }), s.value('visitor_offers_coupon_codes_claimed', { offer: 'pooled' })];
    };
    expect(await heldAndClaimed()).toEqual([2, 0]);
    const token = await signedToken(m.router, { visitorId: a ?? '', offerId: 'pooled', experiment: null });
    const seen = await request(m.server).post('/visitor-offers/events').set('Origin', m.origin).set('Cookie', `datafast_visitor_id=${a ?? ''}`).send({ type: 'exposure', offerId: 'pooled', token });
    expect(seen.status).toBe(202);
    expect(await heldAndClaimed()).toEqual([1, 1]);
    expect(await left()).toBe(1);
  });

  it('shows the reconciliation’s lookups, the conversions it found and its budget', async () => {
    const experiment = { id: 'hero', coverage: 1, status: 'running' as const, variants: [{ id: 'control', weight: 1, offer: null }, { id: 'coupon', weight: 1, offer: 'welcome-coupon' }] };
    const m = await mount({ adminToken: TOKEN, experiments: [experiment], rules: [{ id: 'ab', when: {}, then: { experiment: 'hero' } }], reconcile: { callsPerMinute: 600, firstCheckMinutes: 0 } });
    const before = await scrape(m);
    expect(before.value('visitor_offers_reconcile_budget_per_minute')).toBe(600);
    expect(before.value('visitor_offers_reconcile_budget_available')).toBe(100); // 10 s worth
    expect(before.value('visitor_offers_reconcile_lookups_total')).toBe(0);
    const [payer, other] = visitorIds(2, 'metrics-reconcile');
    for (const v of [payer as string, other as string]) {
      const exposure = { visitorId: v, offerId: null, experiment: { id: 'hero', variant: 'control' } };
      const res = await request(m.server).post('/visitor-offers/events').set('Origin', m.origin).set('Cookie', `datafast_visitor_id=${v}`).send({ type: 'exposure', offerId: null, token: await signedToken(m.router, exposure) });
      expect(res.status).toBe(202);
    }
    await new Promise((r) => setTimeout(r, 5));
    suite.sim.addVisitor({
      visitorId: payer as string,
      label: 'payer',
      description: 'paid after the exposure',
      status: 200,
      data: { visitorId: payer, identity: {}, activity: { visitCount: 1, pageViewCount: 2, completedGoals: [{ name: 'payment', timestamp: new Date().toISOString(), origin: 'payment_provider' }] }, prediction: null },
    });
    await internalsOf(m.router).reconciler.runOnce();
    const after = await scrape(m);
    expect(after.value('visitor_offers_reconcile_lookups_total')).toBe(2);
    expect(after.value('visitor_offers_reconcile_conversions_total')).toBe(1);
    expect(after.value('visitor_offers_reconcile_failures_total')).toBe(0);
    expect(after.value('visitor_offers_reconcile_budget_available')).toBeLessThanOrEqual(98);
  });

  it('shows each bandit arm’s weight in force once computed, and the reallocations', async () => {
    const bandit = { id: 'duo', coverage: 1, status: 'running' as const, allocation: 'thompson' as const, variants: [{ id: 'a', weight: 1, offer: null }, { id: 'b', weight: 1, offer: 'welcome-coupon' }] };
    const m = await mount({ adminToken: TOKEN, experiments: [bandit], rules: [{ id: 'all', when: {}, then: { experiment: 'duo' } }] });
    expect((await scrape(m)).samples.filter((x) => x.name === 'visitor_offers_bandit_weight')).toEqual([]);
    expect((await offer(m, visitorIds(1, 'metrics-bandit')[0] as string)).body.experiment).toMatchObject({ id: 'duo' });
    const after = await scrape(m);
    expect(after.value('visitor_offers_bandit_reallocations_total')).toBe(1);
    const a = after.value('visitor_offers_bandit_weight', { experiment: 'duo', variant: 'a' });
    const b = after.value('visitor_offers_bandit_weight', { experiment: 'duo', variant: 'b' });
    expect(a + b).toBeCloseTo(1, 9);
    expect(Math.min(a, b)).toBeGreaterThan(0.3); // no results yet: about even
  });

  it("does not count a request the router passes on to the host app, nor the scrapes themselves", async () => {
    const m = await mount({ adminToken: TOKEN });
    expect((await request(m.server).get('/visitor-offers/host-page')).text).toBe('the host app');
    await scrape(m);
    const s = await scrape(m);
    expect(s.samples.filter((x) => x.name === 'visitor_offers_http_requests_total')).toEqual([]);
  });
});

describe('who may read the metrics', () => {
  const get = (m: MountedRouter, token?: string) => {
    const r = request(m.server).get('/metrics');
    return token === undefined ? r : r.set('Authorization', `Bearer ${token}`);
  };

  it('nobody without an admin token: 404, whatever is sent', async () => {
    const m = await mount();
    for (const res of [await get(m), await get(m, TOKEN)]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'not enabled: set ADMIN_TOKEN (or METRICS_PUBLIC=true)' });
      expect(res.text).not.toContain('visitor_offers_');
    }
  });

  it('with an admin token: 401 without it or with a wrong one, 200 with it', async () => {
    const m = await mount({ adminToken: TOKEN });
    const none = await get(m);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await get(m, `${TOKEN}x`)).status).toBe(401);
    expect(none.text).not.toContain('visitor_offers_');
    expect((await get(m, TOKEN)).status).toBe(200);
  });

  it('metrics.public: anyone, with or without an admin token set', async () => {
    for (const adminToken of [undefined, TOKEN]) {
      const m = await mount({ metrics: { public: true }, ...(adminToken ? { adminToken } : {}) });
      const res = await get(m);
      expect(res.status).toBe(200);
      expect(res.text).toContain('# TYPE visitor_offers_http_requests_total counter');
    }
  });

  it('answers GET and HEAD only, however the host mounts it', async () => {
    const m = await mount({ metrics: { public: true } });
    const post = await request(m.server).post('/metrics-any-method').send({});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await request(m.server).get('/metrics-any-method')).status).toBe(200);
    expect((await request(m.server).head('/metrics')).status).toBe(200);
  });
});

describe('two routers in one process', () => {
  it('keep their own counts, and both can be scraped', async () => {
    const a = await mount({ adminToken: TOKEN });
    const b = await mount({ adminToken: TOKEN });
    await offer(a, LOW);
    await offer(a, LOW);
    await offer(b, personas.high.visitorId);
    const [sa, sb] = [await scrape(a), await scrape(b)];
    expect(sa.value('visitor_offers_http_requests_total', OFFER_OK)).toBe(2);
    expect(sb.value('visitor_offers_http_requests_total', OFFER_OK)).toBe(1);
    expect(sa.value('visitor_offers_cache_hits_total')).toBe(1);
    expect(sb.value('visitor_offers_cache_hits_total')).toBe(0);
    // The process's metrics are the same process's in both.
    expect(sa.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(sb.types.get('process_cpu_user_seconds_total')).toBe('counter');
  });
});
