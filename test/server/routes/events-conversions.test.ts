// POST /visitor-offers/events with type "conversion", as window.visitorOffers.convert() sends it:
// an order id makes it idempotent (one namespace with POST /conversions), value and currency
// travel with it, and they belong to conversions only. The visitor's variant is still recomputed
// by the server, and a conversion counts for every experiment the visitor was exposed to.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { assign } from '../../../server/experiments/assign';
import type { Experiment } from '../../../server/experiments/types';
import { internalsOf } from '../../../server/router-internals';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { uuidFrom, visitorIn } from '../../support/visitor-ids';

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
const PRICING: Experiment = {
  id: 'pricing',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'guide', weight: 1, offer: 'starter-guide' },
    { id: 'urgency', weight: 1, offer: 'popular-plan-urgency' },
  ],
};

const BUYER = visitorIn(HERO, 'coupon', 'events-orders');
const OTHER = visitorIn(HERO, 'control', 'events-orders');

const suite = useRouteSuite('events-conversions', { sim: { generateUnknown: true }, secrets: [TOKEN] });

async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
    decisions: { experiments: [HERO, PRICING], rules: [{ id: 'ab', when: {}, then: { experiment: HERO.id } }] },
    dataDir: mkdtempSync(join(suite.baseDir, 'r-')),
    conversionsToken: TOKEN,
    logger: suite.log.logger,
    ...options,
  });
  suite.track(m);
  return m;
}

/** The visitor's own decision fields, as the widget has them from GET /offer. */
function decisionOf(visitor: string, experiment: Experiment = HERO): { offerId: string | null; experiment: string; variant: string } {
  const a = assign(experiment, visitor);
  if (!a) throw new Error('coverage 1: always enrolled');
  return { offerId: a.offerId, experiment: experiment.id, variant: a.variantId };
}

function post(m: MountedRouter, body: unknown, visitor: string = BUYER) {
  return request(m.server).post('/visitor-offers/events').set('Origin', m.origin).set('Cookie', `datafast_visitor_id=${visitor}`).send(body as object);
}

const expose = async (m: MountedRouter, visitor: string, experiment: Experiment = HERO): Promise<void> => {
  expect((await post(m, { type: 'exposure', ...decisionOf(visitor, experiment) }, visitor)).status).toBe(202);
};
const conversion = (visitor: string, order: Record<string, unknown> = {}) => ({ type: 'conversion', ...decisionOf(visitor), ...order });
const drain = (m: MountedRouter): Promise<void> => internalsOf(m.router).outbox.drain(15_000);
const storeOf = (m: MountedRouter) => internalsOf(m.router).store.ready;
const counts = async (m: MountedRouter, experiment = HERO.id) => Object.fromEntries((await storeOf(m)).experimentCounts(experiment));
const conversionGoals = () => suite.sim.goals.filter((g) => g.name === 'offer_conversion');
const ORDER = { orderId: 'o-1', value: 49, currency: 'EUR' };

describe('a conversion with an orderId is idempotent', () => {
  it('202 forwarded the first time, with the order in the goal; 202 { duplicate } after, nothing counted or sent again', async () => {
    const m = await mount();
    await expose(m, BUYER);
    const first = await post(m, conversion(BUYER, ORDER));
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ ok: true, forwarded: true });
    for (const repeat of [ORDER, { ...ORDER, value: 99 }, { orderId: 'o-1' }]) {
      const res = await post(m, conversion(BUYER, repeat));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ ok: true, duplicate: true });
    }
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    await drain(m);
    expect(conversionGoals().map((g) => g.metadata)).toEqual([
      { offer: 'welcome-coupon', experiment: 'hero', variant: 'coupon', order_id: 'o-1', value: '49', currency: 'EUR' },
    ]);
    expect((await storeOf(m)).order('o-1')).toMatchObject({ visitorId: BUYER, value: 49, currency: 'EUR', source: 'page' });
  });

  it('the same orderId from another visitor → 409, counted for nobody', async () => {
    const m = await mount();
    await expose(m, OTHER);
    expect((await post(m, conversion(BUYER, ORDER))).status).toBe(202);
    const res = await post(m, conversion(OTHER, ORDER), OTHER);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'orderId: already recorded for another visitor' });
    expect(await counts(m)).toEqual({ control: { exposures: 1, conversions: 0 } });
  });

  it('several reports of one order at once: one forwarded, the rest duplicates', async () => {
    const m = await mount();
    const bodies = (await Promise.all(Array.from({ length: 6 }, () => post(m, conversion(BUYER, ORDER))))).map((r) => r.body);
    expect(bodies.filter((b) => b.forwarded === true)).toHaveLength(1);
    expect(bodies.filter((b) => b.duplicate === true)).toHaveLength(5);
    await drain(m);
    expect(conversionGoals()).toHaveLength(1);
  });

  it('without an orderId a conversion is not de-duplicated (each is sent), and is counted once', async () => {
    const m = await mount();
    await expose(m, BUYER);
    for (let i = 0; i < 2; i++) expect((await post(m, conversion(BUYER))).body).toEqual({ ok: true, forwarded: true });
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    await drain(m);
    expect(conversionGoals()).toHaveLength(2);
  });
});

describe('orders from the page and from the backend share one set of order ids', () => {
  const backend = (m: MountedRouter, body: object) => request(m.server).post('/visitor-offers/conversions').set('Authorization', `Bearer ${TOKEN}`).send(body);

  it('the page first, then the backend for the same order and visitor: a duplicate', async () => {
    const m = await mount();
    expect((await post(m, conversion(BUYER, ORDER))).status).toBe(202);
    const res = await backend(m, { visitorId: BUYER, ...ORDER });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, duplicate: true });
  });

  it('the backend first, then the page: a duplicate for its visitor, a 409 for another', async () => {
    const m = await mount();
    expect((await backend(m, { visitorId: BUYER, ...ORDER })).status).toBe(201);
    expect((await post(m, conversion(BUYER, ORDER))).body).toEqual({ ok: true, duplicate: true });
    expect((await post(m, conversion(OTHER, ORDER), OTHER)).status).toBe(409);
  });

  it('a page claiming an order id first (a forged cookie can) does not stop the backend from recording it for its visitor', async () => {
    const m = await mount();
    await expose(m, BUYER);
    const squatter = uuidFrom('events-orders-squatter');
    expect((await post(m, { type: 'conversion', offerId: null, ...ORDER }, squatter)).status).toBe(202);
    const res = await backend(m, { visitorId: BUYER, ...ORDER });
    expect(res.status).toBe(201);
    expect(res.body.counted).toEqual(['hero']);
    expect((await storeOf(m)).order('o-1')).toMatchObject({ visitorId: BUYER, source: 'backend' });
  });
});

describe('what a conversion counts for', () => {
  it('every experiment the visitor was exposed to, also those the page’s decision does not name', async () => {
    const m = await mount();
    await expose(m, BUYER, HERO);
    await expose(m, BUYER, PRICING);
    expect((await post(m, conversion(BUYER, { orderId: 'o-2' }))).status).toBe(202);
    const pricing = decisionOf(BUYER, PRICING).variant;
    expect(await counts(m, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    expect(await counts(m, 'pricing')).toEqual({ [pricing]: { exposures: 1, conversions: 1 } });
  });

  it('also without an orderId: a conversion naming one experiment counts in each the visitor was exposed to', async () => {
    const m = await mount();
    await expose(m, BUYER, HERO);
    await expose(m, BUYER, PRICING);
    expect((await post(m, conversion(BUYER))).status).toBe(202);
    expect(await counts(m, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    expect(await counts(m, 'pricing')).toEqual({ [decisionOf(BUYER, PRICING).variant]: { exposures: 1, conversions: 1 } });
  });

  it('a page that offered nothing (offerId null, no experiment) may report a conversion; it counts where the visitor was exposed', async () => {
    const m = await mount();
    await expose(m, BUYER);
    const res = await post(m, { type: 'conversion', offerId: null, ...ORDER });
    expect(res.status).toBe(202);
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    await drain(m);
    expect(conversionGoals().map((g) => g.metadata)).toEqual([{ offer: 'none', order_id: 'o-1', value: '49', currency: 'EUR' }]);
  });

  it('still not the browser’s word: a variant the visitor is not in → 400, and the order id stays free', async () => {
    const m = await mount();
    const forged = await post(m, { ...conversion(BUYER, ORDER), variant: 'control', offerId: null });
    expect(forged.status).toBe(400);
    expect(forged.body.error).toMatch(/^variant: this visitor is not in that experiment variant/);
    expect((await storeOf(m)).order('o-1')).toBeUndefined();
    expect((await post(m, conversion(BUYER, ORDER))).body).toEqual({ ok: true, forwarded: true });
  });
});

describe('orderId, value and currency are refused where they do not belong', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an orderId on an exposure', { type: 'exposure', ...decisionOf(BUYER), orderId: 'o-1' }, /^orderId: only for type "conversion"/],
    ['a value on a click', { type: 'click', ...decisionOf(BUYER), value: 5, currency: 'EUR', orderId: 'o-1' }, /^orderId: only for type "conversion"/],
    ['a currency on a dismiss', { type: 'dismiss', ...decisionOf(BUYER), currency: 'EUR' }, /^currency: only for type "conversion"/],
    ['a value without an orderId', conversion(BUYER, { value: 49, currency: 'EUR' }), /^orderId: required with value/],
    ['a value without a currency', conversion(BUYER, { value: 49, orderId: 'o-1' }), /^currency: required with value/],
    ['a currency without a value', conversion(BUYER, { currency: 'EUR', orderId: 'o-1' }), /^value: required with currency/],
    ['a negative value', conversion(BUYER, { ...ORDER, value: -5 }), /^value: must not be negative/],
    ['a currency that is not 3 letters', conversion(BUYER, { ...ORDER, currency: '€' }), /^currency: expected a 3-letter ISO 4217 code/],
    ['an empty orderId', conversion(BUYER, { orderId: '' }), /^orderId: must not be empty/],
    ['a null offer outside an experiment on an exposure', { type: 'exposure', offerId: null }, /^offerId: required outside an experiment/],
  ];
  it.each(cases)('%s → 400, nothing stored or sent', async (_label, body, error) => {
    const m = await mount();
    const res = await post(m, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(error);
    expect((await storeOf(m)).orderCount()).toBe(0);
    await drain(m);
    expect(suite.sim.callCount('goals')).toBe(0);
  });

  it('a currency in any case is stored and sent upper case', async () => {
    const m = await mount();
    expect((await post(m, conversion(BUYER, { ...ORDER, currency: 'eur' }))).status).toBe(202);
    expect((await storeOf(m)).order('o-1')?.currency).toBe('EUR');
  });
});
