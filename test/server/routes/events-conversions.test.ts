// POST /visitor-offers/events with type "conversion", as window.visitorOffers.convert() sends it:
// it takes nothing from the page's decision (the offer may be withdrawn by the thank-you page) and
// counts for every experiment the visitor was exposed to; an order id (a string or a safe integer)
// makes it idempotent for its own visitor, never a 409; value and currency travel with it and
// belong to conversions only; the goal has the same metadata as the backend's.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { assign } from '../../../server/experiments/assign';
import type { Experiment } from '../../../server/experiments/types';
import { internalsOf } from '../../../server/router-internals';
import { openStore } from '../../../server/store/open-store';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { uuidFrom, visitorIn } from '../../support/visitor-ids';
import { signedToken } from '../../support/decision-tokens';

const MINUTE = 60_000;
const HERO: Experiment = {
  id: 'hero',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' }, // built in: expires 30 minutes after it is first shown
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

const suite = useRouteSuite('events-conversions', { sim: { generateUnknown: true } });

async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
    decisions: { experiments: [HERO, PRICING], rules: [{ id: 'ab', when: {}, then: { experiment: HERO.id } }] },
    dataDir: mkdtempSync(join(suite.baseDir, 'r-')),
    logger: suite.log.logger,
    ...options,
  });
  suite.track(m);
  return m;
}

/** The visitor's own decision fields, as the widget has them from GET /offer while the offer is on. */
function decisionOf(visitor: string, experiment: Experiment = HERO): { offerId: string | null; experiment: string; variant: string } {
  const a = assign(experiment, visitor);
  if (!a) throw new Error('coverage 1: always enrolled');
  return { offerId: a.offerId, experiment: experiment.id, variant: a.variantId };
}

function post(m: MountedRouter, body: unknown, visitor: string = BUYER) {
  return request(m.server).post('/visitor-offers/events').set('Origin', m.origin).set('Cookie', `datafast_visitor_id=${visitor}`).send(body as object);
}

/** The exposure the widget reports for the visitor's arm, with a token the router signs for that decision. */
const expose = async (m: MountedRouter, visitor: string, experiment: Experiment = HERO): Promise<void> => {
  const d = decisionOf(visitor, experiment);
  const token = await signedToken(m.router, { visitorId: visitor, offerId: d.offerId, experiment: { id: d.experiment, variant: d.variant } });
  expect((await post(m, { type: 'exposure', offerId: d.offerId, token }, visitor)).status).toBe(202);
};
/** An event's body for the visitor's arm without its token (the body checks come first). */
const offerOf = (visitor: string) => ({ offerId: decisionOf(visitor).offerId, token: 'checked-after-the-body' });
/** A conversion as convert() sends it: the page's order, nothing of its decision. */
const conversion = (order: Record<string, unknown> = {}) => ({ ...order, type: 'conversion' });
const drain = (m: MountedRouter): Promise<void> => internalsOf(m.router).outbox.drain(15_000);
const storeOf = (m: MountedRouter) => internalsOf(m.router).store.ready;
const counts = async (m: MountedRouter, experiment = HERO.id) => Object.fromEntries((await (await storeOf(m)).experimentCounts(experiment)));
const conversionGoals = () => suite.sim.goals.filter((g) => g.name === 'offer_conversion');
const ORDER = { orderId: 'o-1', value: 49, currency: 'EUR' };

describe('a conversion with an orderId is idempotent for its visitor', () => {
  it('202 forwarded the first time, the goal in the backend’s shape; 202 { duplicate } after, nothing counted or sent again', async () => {
    const m = await mount();
    await expose(m, BUYER);
    const first = await post(m, conversion(ORDER));
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ ok: true, forwarded: true });
    for (const repeat of [ORDER, { ...ORDER, value: 99 }, { orderId: 'o-1' }]) {
      const res = await post(m, conversion(repeat));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ ok: true, duplicate: true });
    }
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    await drain(m);
    expect(conversionGoals().map((g) => g.metadata)).toEqual([{ offer: 'none', source: 'page', order_id: 'o-1', value: '49', currency: 'EUR' }]);
    expect((await (await storeOf(m)).order('o-1', BUYER))).toMatchObject({ visitorId: BUYER, value: 49, currency: 'EUR', source: 'page' });
  });

  it('never a 409: the same orderId from another visitor is that visitor’s own order, answered as any new order is', async () => {
    const m = await mount();
    await expose(m, OTHER);
    expect((await post(m, conversion(ORDER))).status).toBe(202);
    const res = await post(m, conversion(ORDER), OTHER);
    // Exactly what an id nobody has used gets: the answer tells nothing about other visitors' orders.
    const fresh = await post(m, conversion({ ...ORDER, orderId: 'o-never-used' }), uuidFrom('events-orders-fresh'));
    expect([res.status, res.body]).toEqual([fresh.status, fresh.body]);
    expect(res.body).toEqual({ ok: true, forwarded: true });
    expect(await counts(m)).toEqual({ control: { exposures: 1, conversions: 1 } });
    expect((await (await storeOf(m)).order('o-1', OTHER))).toMatchObject({ visitorId: OTHER, source: 'page' });
    expect((await (await storeOf(m)).order('o-1', BUYER))).toMatchObject({ visitorId: BUYER, source: 'page' });
  });

  it('several reports of one order at once: one forwarded, the rest duplicates', async () => {
    const m = await mount();
    const bodies = (await Promise.all(Array.from({ length: 6 }, () => post(m, conversion(ORDER))))).map((r) => r.body);
    expect(bodies.filter((b) => b.forwarded === true)).toHaveLength(1);
    expect(bodies.filter((b) => b.duplicate === true)).toHaveLength(5);
    await drain(m);
    expect(conversionGoals()).toHaveLength(1);
  });

  it('without an orderId a conversion is not de-duplicated (each is sent), and is counted once', async () => {
    const m = await mount();
    await expose(m, BUYER);
    for (let i = 0; i < 2; i++) expect((await post(m, conversion())).body).toEqual({ ok: true, forwarded: true });
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    await drain(m);
    expect(conversionGoals().map((g) => g.metadata)).toEqual([
      { offer: 'none', source: 'page' },
      { offer: 'none', source: 'page' },
    ]);
  });

  it('a numeric orderId (Shopify, WooCommerce) is accepted and kept as its decimal string: 1001 and "1001" are one order', async () => {
    const m = await mount();
    expect((await post(m, conversion({ orderId: 1001, value: 49, currency: 'EUR' }))).body).toEqual({ ok: true, forwarded: true });
    expect((await post(m, conversion({ orderId: '1001' }))).body).toEqual({ ok: true, duplicate: true });
    expect((await (await storeOf(m)).order('1001', BUYER))).toMatchObject({ orderId: '1001', value: 49 });
    await drain(m);
    expect(conversionGoals().map((g) => g.metadata.order_id)).toEqual(['1001']);
  });
});

describe('a conversion does not depend on the page’s decision', () => {
  /** A router whose store remembers BUYER seeing the hero coupon `minutesAgo`, and exposed to hero. */
  async function mountSeen(minutesAgo: number): Promise<MountedRouter> {
    const dataDir = mkdtempSync(join(suite.baseDir, 'seen-'));
    const store = await openStore({ dataDir });
    await store.recordFirstExposure('welcome-coupon', BUYER, Date.now() - minutesAgo * MINUTE);
    await store.recordExposure(HERO.id, 'coupon', BUYER);
    await store.close();
    return mount({ dataDir });
  }

  it('after the coupon expired (GET /offer: the experiment, offer null), the order is stored and counted', async () => {
    const m = await mountSeen(31);
    const offer = await request(m.server).get('/visitor-offers/offer?path=/thanks').set('Cookie', `datafast_visitor_id=${BUYER}`);
    expect(offer.body).toMatchObject({ offer: null, experiment: { id: HERO.id, variant: 'coupon' }, reason: 'coupon-expired' });
    // What an older widget sent from that decision: its experiment with offerId null. Ignored, not refused.
    const old = await post(m, { ...ORDER, type: 'conversion', offerId: null, experiment: HERO.id, variant: 'coupon' });
    expect(old.status).toBe(202);
    expect(old.body).toEqual({ ok: true, forwarded: true });
    expect((await (await storeOf(m)).order('o-1', BUYER))).toMatchObject({ value: 49, currency: 'EUR', source: 'page', experiments: { hero: 'coupon' } });
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    // And what convert() sends now, for a second order: no decision at all.
    expect((await post(m, conversion({ ...ORDER, orderId: 'o-2' }))).body).toEqual({ ok: true, forwarded: true });
    expect((await (await storeOf(m)).order('o-2', BUYER))).toMatchObject({ experiments: { hero: 'coupon' } });
  });

  it('offerId, experiment and variant in the body are ignored: not checked, not counted for, not sent', async () => {
    const m = await mount();
    await expose(m, BUYER);
    // A variant the visitor is not in, an experiment and an offer that no longer exist (offers reloaded).
    for (const decision of [
      { offerId: null, experiment: HERO.id, variant: 'control' },
      { offerId: 'gone-offer', experiment: 'gone-experiment' },
    ]) {
      expect((await post(m, { ...decision, type: 'conversion' })).body).toEqual({ ok: true, forwarded: true });
    }
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    expect(await counts(m, 'gone-experiment')).toEqual({});
    await drain(m);
    expect(conversionGoals().map((g) => g.metadata)).toEqual([
      { offer: 'none', source: 'page' },
      { offer: 'none', source: 'page' },
    ]);
  });
});

describe('what a conversion counts for', () => {
  it('every experiment the visitor was exposed to', async () => {
    const m = await mount();
    await expose(m, BUYER, HERO);
    await expose(m, BUYER, PRICING);
    expect((await post(m, conversion({ orderId: 'o-2' }))).status).toBe(202);
    expect(await counts(m, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    expect(await counts(m, 'pricing')).toEqual({ [decisionOf(BUYER, PRICING).variant]: { exposures: 1, conversions: 1 } });
  });

  it('also without an orderId', async () => {
    const m = await mount();
    await expose(m, BUYER, HERO);
    await expose(m, BUYER, PRICING);
    expect((await post(m, conversion())).status).toBe(202);
    expect(await counts(m, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    expect(await counts(m, 'pricing')).toEqual({ [decisionOf(BUYER, PRICING).variant]: { exposures: 1, conversions: 1 } });
  });

  it('nothing for a visitor never exposed, but the goal still goes to DataFast', async () => {
    const m = await mount();
    expect((await post(m, conversion(ORDER))).body).toEqual({ ok: true, forwarded: true });
    expect(await counts(m)).toEqual({});
    await drain(m);
    expect(conversionGoals()).toHaveLength(1);
  });
});

describe('orderId, value and currency are refused where they do not belong', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an orderId on an exposure', { type: 'exposure', ...offerOf(BUYER), orderId: 'o-1' }, /^orderId: only for type "conversion"/],
    ['a value on a click', { type: 'click', ...offerOf(BUYER), value: 5, currency: 'EUR', orderId: 'o-1' }, /^orderId: only for type "conversion"/],
    ['a currency on a dismiss', { type: 'dismiss', ...offerOf(BUYER), currency: 'EUR' }, /^currency: only for type "conversion"/],
    ['no offerId on a click', { type: 'click', token: 'checked-after-the-body' }, /^offerId: required/],
    ['a value without an orderId', conversion({ value: 49, currency: 'EUR' }), /^orderId: required with value/],
    ['a value without a currency', conversion({ value: 49, orderId: 'o-1' }), /^currency: required with value/],
    ['a currency without a value', conversion({ currency: 'EUR', orderId: 'o-1' }), /^value: required with currency/],
    ['a negative value', conversion({ ...ORDER, value: -5 }), /^value: must not be negative/],
    ['a currency that is not 3 letters', conversion({ ...ORDER, currency: '€' }), /^currency: expected a 3-letter ISO 4217 code/],
    ['an empty orderId', conversion({ orderId: '' }), /^orderId: must not be empty/],
    ['a fractional orderId', conversion({ orderId: 1001.5 }), /^orderId: expected a string or a safe integer/],
    ['an orderId beyond the safe integers', conversion({ orderId: 2 ** 53 }), /^orderId: expected a string or a safe integer/],
    ['an orderId that is neither', conversion({ orderId: true }), /^orderId: expected a string or a safe integer/],
    ['an exposure without its token', { type: 'exposure', offerId: null }, /^token: required/],
  ];
  it.each(cases)('%s → 400, nothing stored or sent', async (_label, body, error) => {
    const m = await mount();
    const res = await post(m, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(error);
    expect((await (await storeOf(m)).orderCount())).toBe(0);
    await drain(m);
    expect(suite.sim.callCount('goals')).toBe(0);
  });

  it('a currency in any case is stored and sent upper case', async () => {
    const m = await mount();
    expect((await post(m, conversion({ ...ORDER, currency: 'eur' }))).status).toBe(202);
    expect((await (await storeOf(m)).order('o-1', BUYER))?.currency).toBe('EUR');
  });
});
