// One order reported by the page (POST /events, which anyone with a cookie can forge) and by the
// site's backend (POST /conversions, authenticated): the backend always wins. Its report of an
// order the page reported supersedes the page's — its value and currency stored and sent to
// DataFast, the conversion not counted twice, and still the winner after a restart — and no page
// report, first or not, can make the backend's answer a duplicate or a conflict.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { Experiment } from '../../../server/experiments/types';
import { internalsOf } from '../../../server/router-internals';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { uuidFrom, visitorIn } from '../../support/visitor-ids';
import { exposeAsWidget } from '../../support/decision-tokens';

const TOKEN = 'conversions-token-0123456789abcdef';
const HERO: Experiment = {
  id: 'hero',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
  ],
};
const BUYER = visitorIn(HERO, 'coupon', 'page-and-backend');
const SQUATTER = uuidFrom('page-and-backend-squatter');

const suite = useRouteSuite('conversions-page-and-backend', { sim: { generateUnknown: true }, secrets: [TOKEN] });

async function mount(dataDir = mkdtempSync(join(suite.baseDir, 'r-'))): Promise<MountedRouter & { dataDir: string }> {
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
    decisions: { experiments: [HERO], rules: [{ id: 'ab', when: {}, then: { experiment: HERO.id } }] },
    dataDir,
    conversionsToken: TOKEN,
    logger: suite.log.logger,
  });
  suite.track(m);
  return { ...m, dataDir };
}

const page = (m: MountedRouter, body: object, visitor = BUYER) =>
  request(m.server).post('/visitor-offers/events').set('Origin', m.origin).set('Cookie', `datafast_visitor_id=${visitor}`).send({ ...body, type: 'conversion' });
const backend = (m: MountedRouter, body: object) => request(m.server).post('/visitor-offers/conversions').set('Authorization', `Bearer ${TOKEN}`).send(body);
const expose = async (m: MountedRouter): Promise<void> => {
  const res = await exposeAsWidget(m.server, BUYER);
  expect(res.status).toBe(202);
};
const storeOf = (m: MountedRouter) => internalsOf(m.router).store.ready;
const counts = async (m: MountedRouter) => Object.fromEntries((await (await storeOf(m)).experimentCounts(HERO.id)));
const conversionGoals = async (m: MountedRouter) => {
  await internalsOf(m.router).outbox.drain(15_000);
  return suite.sim.goals.filter((g) => g.name === 'offer_conversion').map((g) => [g.visitorId, g.metadata]);
};

const REAL = { orderId: 'o-1', value: 49, currency: 'EUR' };
const FORGED = { orderId: 'o-1', value: 0.01, currency: 'USD' };

describe('the page first, then the backend, for the same order and visitor', () => {
  it('201: the backend’s report supersedes the page’s — its value stored and sent, the conversion counted once', async () => {
    const m = await mount();
    await expose(m);
    expect((await page(m, FORGED)).body).toEqual({ ok: true, forwarded: true });
    const res = await backend(m, { visitorId: BUYER, ...REAL });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ ok: true, counted: [], forwarded: true }); // counted by the page's report already
    expect((await (await storeOf(m)).order('o-1'))).toMatchObject({ visitorId: BUYER, value: 49, currency: 'EUR', source: 'backend', experiments: { hero: 'coupon' } });
    expect((await (await storeOf(m)).orderCount())).toBe(1);
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    // Both goals went (the page's before the backend spoke); the backend's carries its value.
    expect(await conversionGoals(m)).toEqual(
      expect.arrayContaining([
        [BUYER, { offer: 'none', source: 'page', order_id: 'o-1', value: '0.01', currency: 'USD' }],
        [BUYER, { offer: 'none', source: 'backend', order_id: 'o-1', value: '49', currency: 'EUR' }],
      ]),
    );
    expect(await conversionGoals(m)).toHaveLength(2);
    // From then on both routes see the backend's order: duplicates.
    expect((await backend(m, { visitorId: BUYER, ...REAL })).status).toBe(200);
    expect((await page(m, FORGED)).body).toEqual({ ok: true, duplicate: true });
  });

  it('after a restart the backend’s report is still the one that counts', async () => {
    const first = await mount();
    await expose(first);
    await page(first, FORGED);
    expect((await backend(first, { visitorId: BUYER, ...REAL })).status).toBe(201);
    await first.close();

    const second = await mount(first.dataDir);
    expect((await (await storeOf(second)).order('o-1', BUYER))).toMatchObject({ value: 49, currency: 'EUR', source: 'backend' });
    expect((await (await storeOf(second)).orderCount())).toBe(1);
    expect(await counts(second)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    expect((await backend(second, { visitorId: BUYER, ...REAL })).body).toEqual({ ok: true, duplicate: true });
  });
});

describe('the backend first, then the page', () => {
  it('the page of the same visitor: a duplicate; another visitor’s page: its own order, never a 409', async () => {
    const m = await mount();
    expect((await backend(m, { visitorId: BUYER, ...REAL })).status).toBe(201);
    expect((await page(m, REAL)).body).toEqual({ ok: true, duplicate: true });
    const other = await page(m, REAL, SQUATTER);
    expect(other.status).toBe(202);
    expect(other.body).toEqual({ ok: true, forwarded: true });
    expect((await (await storeOf(m)).order('o-1'))).toMatchObject({ visitorId: BUYER, source: 'backend' });
  });
});

describe('a page claiming an order id first (a forged cookie can)', () => {
  it('does not stop the backend recording it for its own visitor', async () => {
    const m = await mount();
    await expose(m);
    expect((await page(m, FORGED, SQUATTER)).status).toBe(202);
    const res = await backend(m, { visitorId: BUYER, ...REAL });
    expect(res.status).toBe(201);
    expect(res.body.counted).toEqual(['hero']);
    expect((await (await storeOf(m)).order('o-1'))).toMatchObject({ visitorId: BUYER, source: 'backend', value: 49 });
  });

  it('cannot squat future ids: the real buyer’s convert() is accepted as a new order', async () => {
    const m = await mount();
    for (const orderId of ['o-2', 'o-3']) expect((await page(m, { orderId }, SQUATTER)).status).toBe(202);
    expect((await page(m, { ...REAL, orderId: 'o-2' })).body).toEqual({ ok: true, forwarded: true });
    expect((await (await storeOf(m)).order('o-2', BUYER))).toMatchObject({ visitorId: BUYER, value: 49 });
  });
});
