// The outbox through the router's public surface: what a route accepted is delivered even across
// a shutdown (close() stops the worker and leaves the rows; the next router on the data directory
// sends them, each once) — an order's goal included, once lost with the process; health().outbox
// and /metrics report the store's counts; a backlog does not make the router unready; a webhook's
// 4xx is a refusal for good, recorded, never retried.
import express from 'express';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { internalsOf } from '../../../server/router-internals';
import { startReceiver, type Receiver } from '../../support/http-receiver';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { parseScrape } from '../../support/prometheus';
import { useRouteSuite } from '../../support/route-suite';
import { sleep, waitFor } from '../../support/wait';
import { clickBody, leadBodyFor, TEST_SECRET } from '../../support/decision-tokens';

const ADMIN = 'router-outbox-admin-token-0123456789abcdef';
const suite = useRouteSuite('router-outbox', { sim: { generateUnknown: true }, secrets: [ADMIN] });
const VISITOR = personas.low.visitorId;

async function mount(dataDir: string, hook: Receiver | null, options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  return mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
    dataDir,
    leadsWebhookUrl: hook?.url ?? null,
    adminToken: ADMIN,
    secret: TEST_SECRET,
    logger: suite.log.logger,
    ...options,
  });
}

const sameOrigin = (m: MountedRouter, path: string) => request(m.server).post(`/visitor-offers${path}`).set('Origin', m.origin).set('Cookie', `datafast_visitor_id=${VISITOR}`);
const postClick = (m: MountedRouter) => sameOrigin(m, '/events').set('Content-Type', 'application/json').send(clickBody(VISITOR));
const postLead = (m: MountedRouter, email: string) => sameOrigin(m, '/leads').set('Content-Type', 'application/json').send(leadBodyFor(VISITOR, email));
const postOrder = (m: MountedRouter, orderId: string) =>
  request(m.server).post('/visitor-offers/conversions').set('Authorization', `Bearer ${ADMIN}`).send({ visitorId: VISITOR, orderId, value: 25, currency: 'EUR' });
/** GET /metrics as a host app serves it (`app.get('/metrics', router.metrics())`). */
const scrape = async (m: MountedRouter) => parseScrape((await request(express().get('/metrics', m.router.metrics())).get('/metrics').set('Authorization', `Bearer ${ADMIN}`)).text);
const goalNames = () => suite.sim.goals.map((g) => g.name).sort();

describe('the outbox across a shutdown', () => {
  it("close() leaves what was not delivered in the store; the next router sends it, each once — an order's goal, an event's, a lead's goal and webhook call", async () => {
    const hook = await startReceiver();
    try {
      const dataDir = mkdtempSync(join(suite.baseDir, 'r-'));
      // DataFast refuses goals and the webhook fails: nothing can be delivered in run 1.
      suite.sim.setFault({ kind: 'status', status: 503 }, { match: 'goals' });
      hook.setMode({ kind: 'status', status: 503 });
      const first = await mount(dataDir, hook);
      expect((await postClick(first)).body).toEqual({ ok: true, forwarded: true });
      expect((await postOrder(first, 'o-durable')).body).toMatchObject({ ok: true, forwarded: true });
      expect((await postLead(first, 'kept@example.com')).status).toBe(202);
      await waitFor(() => suite.sim.callCount('goals') >= 1 && hook.requests.length >= 1, 'the first attempts');
      // Sends still out get time to settle (a 503, kept for later): one that outlived close() could
      // reach DataFast after the fault is lifted below, and be sent again by the next router.
      await first.close(10_000);

      suite.sim.setFault(null);
      suite.sim.resetCalls();
      hook.setMode({ kind: 'ok' });
      const second = await mount(dataDir, hook);
      try {
        await internalsOf(second.router).outbox.drain(15_000);
        expect(goalNames()).toEqual(['offer_click', 'offer_conversion', 'offer_lead']);
        expect(suite.sim.goals.find((g) => g.name === 'offer_conversion')?.metadata).toEqual({ offer: 'none', source: 'backend', order_id: 'o-durable', value: '25', currency: 'EUR' });
        expect(hook.accepted().map((r) => (r.body as { email: string }).email)).toEqual(['kept@example.com']);
        expect(second.router.health().outbox).toMatchObject({ queued: 0, inFlight: 0, failed: 0, rejected: 0 });
        // A retried report of the order is a duplicate and queues nothing more.
        expect((await postOrder(second, 'o-durable')).body).toEqual({ ok: true, duplicate: true });
        await internalsOf(second.router).outbox.drain(15_000);
        expect(suite.sim.goals).toHaveLength(3);
      } finally {
        await second.close();
      }
    } finally {
      await hook.close();
    }
  });
});

describe('health() and /metrics', () => {
  it('report the backlog from the store while DataFast fails, the router stays ready, and the counts go back to zero once it is delivered', async () => {
    const m = suite.track(await mount(mkdtempSync(join(suite.baseDir, 'r-')), null));
    suite.sim.setFault({ kind: 'status', status: 503 }, { match: 'goals' });
    for (let i = 0; i < 4; i += 1) expect((await postClick(m)).status).toBe(202);
    const { outbox } = internalsOf(m.router);
    await waitFor(() => outbox.stats().retries >= 1, 'a failed attempt');
    await outbox.refresh(0);
    const health = m.router.health();
    expect(health.ready).toBe(true);
    expect(health.reasons).toEqual([]);
    expect(health.outbox).toMatchObject({ failed: 0, rejected: 0, delivered: 0, dropped: 0, capacity: 100_000 });
    expect(health.outbox.queued + health.outbox.inFlight).toBe(4);
    const during = await scrape(m);
    expect(during.value('visitor_offers_outbox_queued', { kind: 'datafast' }) + during.value('visitor_offers_outbox_in_flight', { kind: 'datafast' })).toBe(4);
    expect(during.value('visitor_offers_outbox_retries_total', { kind: 'datafast' })).toBeGreaterThanOrEqual(1);
    expect(during.value('visitor_offers_ready')).toBe(1);

    suite.sim.setFault(null);
    await outbox.drain(15_000);
    const after = await scrape(m);
    expect(after.value('visitor_offers_outbox_queued', { kind: 'datafast' })).toBe(0);
    expect(after.value('visitor_offers_outbox_in_flight', { kind: 'datafast' })).toBe(0);
    expect(after.value('visitor_offers_outbox_delivered_total', { kind: 'datafast' })).toBe(4);
    expect(m.router.health().outbox).toMatchObject({ queued: 0, inFlight: 0, delivered: 4 });
  });

  it('a webhook that refuses a lead for good (a 4xx) is recorded as rejected and never called again for it; the lead stays stored', async () => {
    const hook = await startReceiver();
    try {
      hook.setMode({ kind: 'status', status: 422 });
      const m = suite.track(await mount(mkdtempSync(join(suite.baseDir, 'r-')), hook));
      expect((await postLead(m, 'refused@example.com')).status).toBe(202);
      const { outbox, store } = internalsOf(m.router);
      await outbox.drain(15_000);
      expect(hook.requests).toHaveLength(1);
      await sleep(300);
      expect(hook.requests).toHaveLength(1);
      expect((await outbox.refresh(0)).byKind.webhook).toMatchObject({ rejected: 1, queued: 0, refused: 1 });
      expect(m.router.health().outbox.rejected).toBe(1);
      expect((await scrape(m)).value('visitor_offers_outbox_rejected', { kind: 'webhook' })).toBe(1);
      const s = await store.ready;
      expect(await s.leadCount()).toBe(1);
      expect(suite.log.text()).toMatch(/refused a lead for good/);
      expect(suite.log.text()).not.toContain('refused@example.com');
    } finally {
      await hook.close();
    }
  });
});
