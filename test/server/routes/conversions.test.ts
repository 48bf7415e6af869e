// POST /visitor-offers/conversions through the real router over real sockets, against the simulated
// DataFast: the site's backend (or payment webhook handler) reports an order for a visitor id.
// Only with a configured token (admin or conversions), validated field by field, idempotent by
// order id (a string, or a safe integer kept as its decimal string), stored durably before it is
// acknowledged, counted for the experiments the visitor was exposed to, forwarded as an
// `offer_conversion` goal, rate-limited per client address — and no token or API key in any
// answer (checked on each) or log line (checked after each test).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { assign } from '../../../server/experiments/assign';
import type { ExperimentResult } from '../../../server/experiments/results';
import type { Experiment } from '../../../server/experiments/types';
import { internalsOf } from '../../../server/router-internals';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { uuidFrom, visitorIn } from '../../support/visitor-ids';
import { signedToken } from '../../support/decision-tokens';

const ADMIN = 'admin-token-0123456789abcdefghijkl';
const BACKEND = 'conversions-token-fedcba9876543210';

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

const EXPOSED = visitorIn(HERO, 'coupon', 'conversions');
const UNEXPOSED = uuidFrom('conversions-unexposed');

// Any valid UUID is a visitor with pageviews here, so DataFast accepts goals for generated ids.
const suite = useRouteSuite('conversions', { sim: { generateUnknown: true }, secrets: [ADMIN, BACKEND] });

/** Checked in every answer; the suite checks the log after every test. */
const SECRETS = [ADMIN, BACKEND, SIM.apiKey];

async function mount(options: Partial<VisitorOffersOptions> = {}, dataDir = mkdtempSync(join(suite.baseDir, 'r-'))): Promise<MountedRouter & { dataDir: string }> {
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
    decisions: { experiments: [HERO, PRICING], rules: [{ id: 'ab', when: {}, then: { experiment: HERO.id } }] },
    dataDir,
    adminToken: ADMIN,
    conversionsToken: BACKEND,
    logger: suite.log.logger,
    ...options,
  });
  suite.track(m);
  return { ...m, dataDir };
}

/** POST /conversions as a backend sends it: JSON, a bearer token, no cookie, no Origin. */
async function convert(m: MountedRouter, body: unknown, authorization: string | null = `Bearer ${BACKEND}`) {
  const r = request(m.server).post('/visitor-offers/conversions');
  if (authorization !== null) r.set('Authorization', authorization);
  const res = await r.send(body as object);
  const answer = JSON.stringify(res.headers) + res.text;
  for (const secret of SECRETS) expect(answer).not.toContain(secret);
  return res;
}

/** An exposure as the widget reports it, for the visitor's real variant, with the token the router signs for it. */
async function expose(m: MountedRouter, visitor: string, experiment: Experiment, variant: string, offerId: string | null): Promise<void> {
  const token = await signedToken(m.router, { visitorId: visitor, offerId, experiment: { id: experiment.id, variant } });
  const res = await request(m.server)
    .post('/visitor-offers/events')
    .set('Origin', m.origin)
    .set('Cookie', `datafast_visitor_id=${visitor}`)
    .send({ type: 'exposure', offerId, token });
  expect(res.status).toBe(202);
}

async function results(m: MountedRouter): Promise<Record<string, Record<string, { exposures: number; conversions: number }>>> {
  const res = await request(m.server).get('/visitor-offers/experiments').set('Authorization', `Bearer ${ADMIN}`);
  expect(res.status).toBe(200);
  const out: Record<string, Record<string, { exposures: number; conversions: number }>> = {};
  for (const e of res.body.experiments as ExperimentResult[]) {
    out[e.id] = Object.fromEntries(e.variants.map((v) => [v.id, { exposures: v.exposures, conversions: v.conversions }]));
  }
  return out;
}

const drain = (m: MountedRouter): Promise<void> => internalsOf(m.router).outbox.drain(15_000);
const storeOf = (m: MountedRouter) => internalsOf(m.router).store.ready;
const ORDER = { visitorId: EXPOSED, orderId: 'o-1001', value: 49, currency: 'EUR' };

describe('POST /conversions answers only with a configured token', () => {
  it('404 when neither ADMIN_TOKEN nor CONVERSIONS_TOKEN is configured, whatever is sent', async () => {
    const m = await mount({ adminToken: null, conversionsToken: null });
    for (const [body, auth] of [
      [ORDER, `Bearer ${BACKEND}`],
      [ORDER, null],
      [{}, `Bearer ${ADMIN}`],
    ] as const) {
      const res = await convert(m, body, auth);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'not enabled: set CONVERSIONS_TOKEN or ADMIN_TOKEN' });
    }
    expect((await (await storeOf(m)).orderCount())).toBe(0);
  });

  it.each([
    ['no Authorization header', null],
    ['a wrong token', 'Bearer wrong-token-0123456789abcdef'],
    ['a prefix of the conversions token', `Bearer ${BACKEND.slice(0, -1)}`],
    ['the token without the Bearer scheme', BACKEND],
    ['the token as Basic credentials', `Basic ${Buffer.from(`x:${BACKEND}`).toString('base64')}`],
  ])('%s → 401 with a Bearer challenge, nothing stored', async (_label, authorization) => {
    const m = await mount();
    const res = await convert(m, ORDER, authorization);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'conversions token (or admin token) required' });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="visitor-offers"');
    expect((await (await storeOf(m)).orderCount())).toBe(0);
  });

  it('a body is not even read without the token: bad JSON from a stranger is still 401', async () => {
    const m = await mount();
    const res = await request(m.server).post('/visitor-offers/conversions').set('Content-Type', 'application/json').send('{"visitorId":');
    expect(res.status).toBe(401);
  });

  it.each([
    ['the conversions token', { adminToken: ADMIN }, `Bearer ${BACKEND}`],
    ['the admin token', { adminToken: ADMIN }, `Bearer ${ADMIN}`],
    ['the conversions token alone (no admin token)', { adminToken: null }, `bearer ${BACKEND}`],
    ['the admin token alone (no conversions token)', { conversionsToken: null }, `BEARER ${ADMIN}`],
  ])('accepts %s', async (_label, options, authorization) => {
    const m = await mount(options);
    expect((await convert(m, ORDER, authorization)).status).toBe(201);
  });

  it('with only an admin token configured, the conversions token of another setup is refused', async () => {
    const m = await mount({ conversionsToken: null });
    expect((await convert(m, ORDER, `Bearer ${BACKEND}`)).status).toBe(401);
  });
});

describe('POST /conversions refuses a malformed body with 400 "field: problem", storing nothing', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['no visitorId', { orderId: 'o-1' }, /^visitorId: /],
    ['a visitorId that is not a UUID', { ...ORDER, visitorId: 'visitor-1' }, /^visitorId: expected the datafast_visitor_id cookie/],
    ['a UUID v1 visitorId', { ...ORDER, visitorId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' }, /^visitorId: expected the datafast_visitor_id cookie/],
    ['a visitorId with a path in it', { ...ORDER, visitorId: `${EXPOSED}/../x` }, /^visitorId: /],
    ['no orderId', { visitorId: EXPOSED }, /^orderId: /],
    ['an empty orderId', { ...ORDER, orderId: '   ' }, /^orderId: must not be empty/],
    ['an orderId over 128 characters', { ...ORDER, orderId: 'o'.repeat(129) }, /^orderId: too long/],
    ['an orderId with a control character', { ...ORDER, orderId: 'o-1\n2' }, /^orderId: expected printable characters only/],
    ['a fractional orderId', { ...ORDER, orderId: 1001.5 }, /^orderId: expected a string or a safe integer/],
    ['an orderId beyond the safe integers', { ...ORDER, orderId: 2 ** 53 }, /^orderId: expected a string or a safe integer/],
    ['an orderId that is an object', { ...ORDER, orderId: { id: 1 } }, /^orderId: expected a string or a safe integer/],
    ['a negative value', { ...ORDER, value: -1 }, /^value: must not be negative/],
    ['a value over the cap', { ...ORDER, value: 1e12 }, /^value: too large/],
    ['a value as a string', { ...ORDER, value: '49' }, /^value: /],
    ['a value without currency', { visitorId: EXPOSED, orderId: 'o-1', value: 49 }, /^currency: required with value/],
    ['a currency without value', { visitorId: EXPOSED, orderId: 'o-1', currency: 'EUR' }, /^value: required with currency/],
    ['a currency of 4 letters', { ...ORDER, currency: 'EURO' }, /^currency: expected a 3-letter ISO 4217 code/],
    ['a currency with a digit', { ...ORDER, currency: 'E1R' }, /^currency: expected a 3-letter ISO 4217 code/],
    ['an unknown field', { ...ORDER, email: 'a@example.com' }, /email/],
    ['an array', [ORDER], /^body: /],
  ];
  it.each(cases)('%s → 400', async (_label, body, error) => {
    const m = await mount();
    const res = await convert(m, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(error);
    expect((await (await storeOf(m)).orderCount())).toBe(0);
    await drain(m);
    expect(suite.sim.callCount('goals')).toBe(0);
  });

  it('bad JSON → 400 "body is not valid JSON"; over 4 kB → 413; not JSON → 415', async () => {
    const m = await mount();
    const raw = (type: string, text: string) =>
      request(m.server).post('/visitor-offers/conversions').set('Authorization', `Bearer ${BACKEND}`).set('Content-Type', type).send(text);
    const bad = await raw('application/json', '{"visitorId":');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'body is not valid JSON' });
    const big = await raw('application/json', JSON.stringify({ ...ORDER, orderId: 'x'.repeat(5000) }));
    expect(big.status).toBe(413);
    const plain = await raw('text/plain', JSON.stringify(ORDER));
    expect(plain.status).toBe(415);
    expect(plain.body).toEqual({ error: 'send the body as application/json' });
    expect((await (await storeOf(m)).orderCount())).toBe(0);
  });
});

describe('POST /conversions is idempotent by orderId', () => {
  it('201 the first time, then 200 { duplicate: true } for the same order and visitor, counting and sending nothing again', async () => {
    const m = await mount();
    await expose(m, EXPOSED, HERO, 'coupon', 'welcome-coupon');
    const first = await convert(m, ORDER);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ ok: true, counted: ['hero'], forwarded: true });
    expect(first.headers['cache-control']).toBe('no-store');
    for (const repeat of [ORDER, { ...ORDER, value: 99 }, { visitorId: EXPOSED.toUpperCase(), orderId: ' o-1001 ' }]) {
      const res = await convert(m, repeat);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true, duplicate: true });
    }
    expect((await results(m)).hero).toEqual({ control: { exposures: 0, conversions: 0 }, coupon: { exposures: 1, conversions: 1 } });
    await drain(m);
    expect(suite.sim.goals.filter((g) => g.name === 'offer_conversion')).toHaveLength(1);
    expect((await (await storeOf(m)).order('o-1001'))?.value).toBe(49);
  });

  it('a numeric orderId (Shopify, WooCommerce) is kept as its decimal string: 1001 and "1001" are one order', async () => {
    const m = await mount();
    const first = await convert(m, { ...ORDER, orderId: 1001 });
    expect(first.status).toBe(201);
    expect((await (await storeOf(m)).order('1001'))).toMatchObject({ orderId: '1001', visitorId: EXPOSED, value: 49 });
    expect((await convert(m, { ...ORDER, orderId: '1001' })).body).toEqual({ ok: true, duplicate: true });
    await drain(m);
    expect(suite.sim.goals.map((g) => g.metadata.order_id)).toEqual(['1001']);
  });

  it('the same orderId for another visitor → 409, counted for nobody', async () => {
    const m = await mount();
    const other = visitorIn(HERO, 'control', 'conversions-409');
    await expose(m, other, HERO, 'control', null);
    expect((await convert(m, ORDER)).status).toBe(201);
    const res = await convert(m, { ...ORDER, visitorId: other });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'orderId: already recorded for another visitor' });
    expect((await results(m)).hero?.control).toEqual({ exposures: 1, conversions: 0 });
  });

  it('reports of one order arriving at once: one 201, the rest 200 duplicates, one goal', async () => {
    const m = await mount();
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => convert(m, ORDER)))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 201]);
    await drain(m);
    expect(suite.sim.goals).toHaveLength(1);
  });
});

describe('POST /conversions counts for the experiments the visitor was exposed to', () => {
  it('counted in GET /experiments for an exposed visitor, and not for an unexposed one', async () => {
    const m = await mount();
    await expose(m, EXPOSED, HERO, 'coupon', 'welcome-coupon');
    expect((await convert(m, ORDER)).body.counted).toEqual(['hero']);
    const unexposed = await convert(m, { ...ORDER, visitorId: UNEXPOSED, orderId: 'o-1002' });
    expect(unexposed.status).toBe(201);
    expect(unexposed.body.counted).toEqual([]);
    const r = await results(m);
    expect(r.hero).toEqual({ control: { exposures: 0, conversions: 0 }, coupon: { exposures: 1, conversions: 1 } });
    expect(r.pricing).toEqual({ guide: { exposures: 0, conversions: 0 }, urgency: { exposures: 0, conversions: 0 } });
  });

  it('in every experiment the visitor was exposed to, once per visitor however many orders', async () => {
    const m = await mount();
    // The visitor's real variant in each experiment, as the server computes it.
    const hero = assign(HERO, EXPOSED);
    const pricing = assign(PRICING, EXPOSED);
    if (!hero || !pricing) throw new Error('coverage 1: enrolled in both');
    await expose(m, EXPOSED, HERO, hero.variantId, hero.offerId);
    await expose(m, EXPOSED, PRICING, pricing.variantId, pricing.offerId);
    expect((await convert(m, ORDER)).body.counted).toEqual(['hero', 'pricing']);
    expect((await convert(m, { ...ORDER, orderId: 'o-1002', value: 10 })).body.counted).toEqual([]);
    const r = await results(m);
    expect(r.hero?.[hero.variantId]).toEqual({ exposures: 1, conversions: 1 });
    expect(r.pricing?.[pricing.variantId]).toEqual({ exposures: 1, conversions: 1 });
    // Both orders are kept, with the arms their revenue belongs to.
    const store = await storeOf(m);
    expect(await store.order('o-1002')).toMatchObject({ value: 10, currency: 'EUR', experiments: { hero: hero.variantId, pricing: pricing.variantId } });
  });
});

describe('POST /conversions forwards the order to DataFast', () => {
  it('as an offer_conversion goal for the visitor, with the order in its metadata, currency upper case', async () => {
    const m = await mount();
    expect((await convert(m, { visitorId: EXPOSED.toUpperCase(), orderId: 'pi_3NxYz', value: 49.9, currency: 'eur' })).status).toBe(201);
    await drain(m);
    const call = suite.sim.calls.find((c) => c.path === '/api/v1/goals');
    expect(call?.authorization).toBe(`Bearer ${SIM.apiKey}`);
    expect(call?.body).toEqual({
      datafast_visitor_id: EXPOSED,
      name: 'offer_conversion',
      metadata: { offer: 'none', source: 'backend', order_id: 'pi_3NxYz', value: '49.9', currency: 'EUR' },
    });
    expect((await (await storeOf(m)).order('pi_3NxYz'))).toMatchObject({ visitorId: EXPOSED, value: 49.9, currency: 'EUR', source: 'backend' });
  });

  it('an order without a value goes without value and currency', async () => {
    const m = await mount();
    expect((await convert(m, { visitorId: EXPOSED, orderId: 'signup-7' })).status).toBe(201);
    await drain(m);
    expect(suite.sim.goals.map((g) => g.metadata)).toEqual([{ offer: 'none', source: 'backend', order_id: 'signup-7' }]);
  });

  it('DataFast failing delays the goal but not the answer, and loses nothing', async () => {
    const m = await mount();
    suite.sim.setFault({ kind: 'status', status: 503 }, { match: 'goals', times: 2 });
    expect((await convert(m, ORDER)).status).toBe(201);
    await drain(m);
    expect(suite.sim.goals.map((g) => g.metadata.order_id)).toEqual(['o-1001']);
  });
});

describe('POST /conversions keeps orders durably', () => {
  it('the order is in the store across a close and reopen: a repeat is still a duplicate, another visitor still a 409', async () => {
    const first = await mount();
    await expose(first, EXPOSED, HERO, 'coupon', 'welcome-coupon');
    expect((await convert(first, ORDER)).status).toBe(201);
    await first.close();

    const second = await mount({}, first.dataDir);
    expect((await (await storeOf(second)).order('o-1001'))).toMatchObject({ visitorId: EXPOSED, value: 49, currency: 'EUR', experiments: { hero: 'coupon' } });
    expect((await convert(second, ORDER)).status).toBe(200);
    expect((await convert(second, { ...ORDER, visitorId: UNEXPOSED })).status).toBe(409);
    expect((await results(second)).hero).toEqual({ control: { exposures: 0, conversions: 0 }, coupon: { exposures: 1, conversions: 1 } });
  });

  it('503 when the store cannot be used, and nothing forwarded (the backend retries)', async () => {
    const file = join(mkdtempSync(join(suite.baseDir, 'f-')), 'not-a-dir');
    writeFileSync(file, 'a regular file');
    const m = await mount({ dataDir: join(file, 'data') });
    const res = await convert(m, ORDER);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'the conversion could not be stored; please try again' });
    await drain(m);
    expect(suite.sim.callCount('goals')).toBe(0);
  });
});

describe('POST /conversions is rate-limited per client address', () => {
  it('limits.conversionsPerMinute: the N+1th request in a minute → 429 with Retry-After, tokens guessed included', async () => {
    const m = await mount({ limits: { conversionsPerMinute: 3 } });
    expect((await convert(m, ORDER)).status).toBe(201);
    expect((await convert(m, ORDER, 'Bearer guess-0123456789abcdef')).status).toBe(401);
    expect((await convert(m, { ...ORDER, orderId: 'o-2' })).status).toBe(201);
    const refused = await convert(m, { ...ORDER, orderId: 'o-3' });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'too many requests' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await convert(m, { ...ORDER, orderId: 'o-3' }, 'Bearer guess-0123456789abcdef')).status).toBe(429);
    expect((await (await storeOf(m)).order('o-3'))).toBeUndefined();
  });
});
