// POST /visitor-offers/events through the real router over real sockets, against the simulated
// DataFast: what the widget reports (exposure, click, dismiss, conversion) reaches DataFast as a
// documented goal for the cookie's visitor, with metadata { offer, experiment, variant }; what is
// malformed, forged or cross-site is refused with a clear error; rate limits; exposures counted
// once; conversions counted only for exposed visitors; a DataFast outage delays goals but loses none.
//
// The outbox's cap (widget events' goals dropped once it is full) is specified at the outbox level
// (test/server/events/outbox.test.ts): filling the default 100,000 through HTTP would only slow
// the suite. Here the route's side of a goal that cannot be queued is checked: the store refuses
// the outbox write, and the answer says `forwarded: false` for a click (counted and logged), a 503
// for an exposure (stored with its goal or not at all).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import { GOAL_NAMES } from '../../../server/datafast/goals';
import type { DecisionSettings } from '../../../server/decision/policy';
import { assign } from '../../../server/experiments/assign';
import type { Experiment } from '../../../server/experiments/types';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import type { Store } from '../../../server/store/store';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { takeTableAway } from '../../support/store-faults';
import { uuidFrom, visitorIn } from '../../support/visitor-ids';
import { internalsOf } from '../../../server/router-internals';

const EXPERIMENT: Experiment = {
  id: 'first-visit',
  coverage: 0.8,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
  ],
};
const DECISIONS: DecisionSettings = {
  experiments: [EXPERIMENT],
  rules: [{ id: 'ab', when: {}, then: { experiment: EXPERIMENT.id } }],
};

// Each visitor's variant is computed with the real assignment, as the server does.
const IN_COUPON = visitorIn(EXPERIMENT, 'coupon', 'events');
const IN_CONTROL = visitorIn(EXPERIMENT, 'control', 'events');
const IN_HOLDOUT = visitorIn(EXPERIMENT, null, 'events');
const OTHER = uuidFrom('events-other-visitor');

// Any valid UUID is a visitor with pageviews here, so DataFast accepts goals for generated ids.
const suite = useRouteSuite('events', { sim: { generateUnknown: true } });

async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
    decisions: DECISIONS,
    dataDir: mkdtempSync(join(suite.baseDir, 'r-')),
    logger: suite.log.logger,
    ...options,
  });
  suite.track(m);
  return m;
}

/** A POST as the widget sends it from the site's own pages: JSON, same Origin, the visitor's cookie. */
function post(m: MountedRouter, body: unknown, visitor: string | null = IN_COUPON) {
  const r = request(m.server).post('/visitor-offers/events').set('Origin', m.origin);
  if (visitor !== null) r.set('Cookie', `datafast_visitor_id=${visitor}`);
  return r.send(body as object);
}

const drain = (m: MountedRouter): Promise<void> => internalsOf(m.router).outbox.drain(15_000);
const store = (m: MountedRouter): Promise<Store> => internalsOf(m.router).store.ready;
const counts = async (m: MountedRouter) => Object.fromEntries((await (await store(m)).experimentCounts(EXPERIMENT.id)));
const goalsOf = (visitor: string) => suite.sim.goals.filter((g) => g.visitorId === visitor);

const couponEvent = (type: string) => ({ type, offerId: 'welcome-coupon', experiment: EXPERIMENT.id, variant: 'coupon' });

it('the test visitors are where the real assignment puts them', () => {
  expect(assign(EXPERIMENT, IN_COUPON)?.variantId).toBe('coupon');
  expect(assign(EXPERIMENT, IN_CONTROL)?.variantId).toBe('control');
  expect(assign(EXPERIMENT, IN_HOLDOUT)).toBeNull();
});

describe('POST /events forwards each event to DataFast as a documented goal for the cookie’s visitor', () => {
  it('GET /offer tells the widget the experiment and variant the events then name', async () => {
    const m = await mount();
    const res = await request(m.server).get('/visitor-offers/offer?path=/').set('Cookie', `datafast_visitor_id=${IN_COUPON}`);
    expect(res.body).toMatchObject({ experiment: { id: EXPERIMENT.id, variant: 'coupon' }, offer: { id: 'welcome-coupon' } });
  });

  it.each([
    ['exposure', GOAL_NAMES.exposure, 'offer_exposure'],
    ['click', GOAL_NAMES.click, 'offer_click'],
    ['dismiss', GOAL_NAMES.dismiss, 'offer_dismiss'],
  ])('%s → 202, and goal %s with { offer, experiment, variant }', async (type, name, documented) => {
    expect(name).toBe(documented);
    const m = await mount();
    const res = await post(m, couponEvent(type));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true, forwarded: true });
    expect(res.headers['cache-control']).toBe('no-store');
    await drain(m);
    expect(suite.sim.goals).toHaveLength(1);
    expect(suite.sim.goals[0]).toMatchObject({
      visitorId: IN_COUPON,
      name: documented,
      metadata: { offer: 'welcome-coupon', experiment: EXPERIMENT.id, variant: 'coupon' },
    });
    // Exactly DataFast's body: the visitor from the cookie, nothing from the browser beyond the event.
    const call = suite.sim.calls.find((c) => c.path === '/api/v1/goals');
    expect(call?.authorization).toBe(`Bearer ${SIM.apiKey}`);
    expect(call?.body).toEqual({
      datafast_visitor_id: IN_COUPON,
      name: documented,
      metadata: { offer: 'welcome-coupon', experiment: EXPERIMENT.id, variant: 'coupon' },
    });
  });

  it('conversion → 202, and goal offer_conversion with { offer: "none", source: "page" }: nothing of the page’s decision', async () => {
    expect(GOAL_NAMES.conversion).toBe('offer_conversion');
    const m = await mount();
    expect((await post(m, couponEvent('conversion'))).body).toEqual({ ok: true, forwarded: true });
    await drain(m);
    expect(suite.sim.goals.map((g) => [g.visitorId, g.name, g.metadata])).toEqual([[IN_COUPON, 'offer_conversion', { offer: 'none', source: 'page' }]]);
  });

  it('outside an experiment, the metadata is just { offer }', async () => {
    const m = await mount();
    expect((await post(m, { type: 'click', offerId: 'starter-guide' }, OTHER)).status).toBe(202);
    await drain(m);
    expect(suite.sim.goals.map((g) => [g.visitorId, g.name, g.metadata])).toEqual([[OTHER, 'offer_click', { offer: 'starter-guide' }]]);
  });

  it('fills in the visitor’s real variant when the widget names only the experiment', async () => {
    const m = await mount();
    const res = await post(m, { type: 'click', offerId: 'welcome-coupon', experiment: EXPERIMENT.id });
    expect(res.status).toBe(202);
    await drain(m);
    expect(suite.sim.goals[0]?.metadata).toEqual({ offer: 'welcome-coupon', experiment: EXPERIMENT.id, variant: 'coupon' });
  });

  it('sends the goal for the canonical (lower-case) id when the cookie is upper case', async () => {
    const m = await mount();
    expect((await post(m, couponEvent('click'), IN_COUPON.toUpperCase())).status).toBe(202);
    await drain(m);
    expect(suite.sim.goals.map((g) => g.visitorId)).toEqual([IN_COUPON]);
    expect(suite.sim.calls.find((c) => c.path === '/api/v1/goals')?.body).toMatchObject({ datafast_visitor_id: IN_COUPON });
  });
});

describe('POST /events refuses what is malformed or not the visitor’s, with a clear error and no goal', () => {
  const cases: Array<[string, unknown, string | null, RegExp]> = [
    ['an unknown type', { type: 'purchase', offerId: 'welcome-coupon' }, IN_COUPON, /^type: /],
    ['no type', { offerId: 'welcome-coupon' }, IN_COUPON, /^type: /],
    ['no offerId', { type: 'click' }, IN_COUPON, /^offerId: /],
    ['an offerId that is not an id', { type: 'click', offerId: '../../etc' }, IN_COUPON, /^offerId: /],
    ['an unknown offer', { type: 'click', offerId: 'no-such-offer' }, IN_COUPON, /^offerId: unknown offer "no-such-offer"/],
    ['a null offer outside an experiment', { type: 'exposure', offerId: null }, IN_COUPON, /^offerId: required outside an experiment/],
    ['an unknown experiment', { type: 'click', offerId: 'welcome-coupon', experiment: 'nope' }, IN_COUPON, /^experiment: unknown experiment "nope"/],
    ['a variant without experiment', { type: 'click', offerId: 'welcome-coupon', variant: 'coupon' }, IN_COUPON, /^variant: given without experiment/],
    ['a variant the visitor is not assigned to', { ...couponEvent('exposure'), variant: 'control' }, IN_COUPON, /^variant: this visitor is not in that experiment variant/],
    ['an offer that is not the variant’s', { ...couponEvent('exposure'), offerId: 'starter-guide' }, IN_COUPON, /^variant: /],
    ['a control visitor claiming the offer', couponEvent('exposure'), IN_CONTROL, /^variant: /],
    ['a holdout visitor claiming the experiment', couponEvent('exposure'), IN_HOLDOUT, /^variant: /],
    ['a visitor id in the body', { ...couponEvent('click'), visitorId: OTHER }, IN_COUPON, /visitorId/],
    ['an array', [couponEvent('click')], IN_COUPON, /^body: /],
  ];
  it.each(cases)('%s → 400', async (_label, body, visitor, error) => {
    const m = await mount();
    const res = await post(m, body, visitor);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(error);
    await drain(m);
    expect(suite.sim.goals).toHaveLength(0);
    expect(await counts(m)).toEqual({});
  });

  it('bad JSON → 400 "body is not valid JSON", not a stack trace', async () => {
    const m = await mount();
    const res = await request(m.server)
      .post('/visitor-offers/events')
      .set('Cookie', `datafast_visitor_id=${IN_COUPON}`)
      .set('Content-Type', 'application/json')
      .send('{"type":"click",');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'body is not valid JSON' });
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it.each([
    ['no cookie', null],
    ['an invalid cookie', 'not-a-uuid'],
    ['a UUID v1 cookie', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'],
  ])('%s → 400 naming the cookie, nothing forwarded', async (_label, visitor) => {
    const m = await mount();
    const res = await post(m, { type: 'click', offerId: 'starter-guide' }, visitor);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/datafast_visitor_id/);
    await drain(m);
    expect(suite.sim.callCount('goals')).toBe(0);
  });
});

describe('POST /events accepts its own site and the allowed origins only', () => {
  const event = { type: 'click', offerId: 'starter-guide' };
  const send = (m: MountedRouter, headers: Record<string, string>) =>
    request(m.server).post('/visitor-offers/events').set('Cookie', `datafast_visitor_id=${IN_COUPON}`).set(headers).send(event);

  it.each([
    ['an Origin from another site', { Origin: 'https://evil.example' }],
    ['the opaque null Origin (sandboxed frame)', { Origin: 'null' }],
    ['a look-alike of an allowed origin', { Origin: 'https://shop.example.com.evil.example' }],
    ['an allowed host on another scheme', { Origin: 'http://shop.example.com' }],
    ['Sec-Fetch-Site: cross-site without Origin', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site without Origin', { 'Sec-Fetch-Site': 'same-site' }],
  ])('%s → 403, nothing forwarded', async (_label, headers) => {
    const m = await mount({ allowedOrigins: ['https://shop.example.com'] });
    const res = await send(m, headers);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/cross-origin request refused/);
    await drain(m);
    expect(suite.sim.callCount('goals')).toBe(0);
  });

  it.each([
    ['its own origin', (m: MountedRouter) => ({ Origin: m.origin })],
    ['Sec-Fetch-Site: same-origin', () => ({ 'Sec-Fetch-Site': 'same-origin' })],
    ['an ALLOWED origin', () => ({ Origin: 'https://shop.example.com', 'Sec-Fetch-Site': 'cross-site' })],
    ['no Origin and no Sec-Fetch-Site (not a browser)', () => ({})],
  ])('%s → 202 and forwarded', async (_label, headers) => {
    const m = await mount({ allowedOrigins: ['https://shop.example.com'] });
    const res = await send(m, headers(m));
    expect(res.status).toBe(202);
    await drain(m);
    expect(suite.sim.goals).toHaveLength(1);
  });
});

describe('POST /events body formats', () => {
  it('accepts text/plain, which navigator.sendBeacon sends', async () => {
    const m = await mount();
    const res = await request(m.server)
      .post('/visitor-offers/events')
      .set('Origin', m.origin)
      .set('Cookie', `datafast_visitor_id=${IN_COUPON}`)
      .set('Content-Type', 'text/plain;charset=UTF-8')
      .send(JSON.stringify(couponEvent('dismiss')));
    expect(res.status).toBe(202);
    await drain(m);
    expect(suite.sim.goals.map((g) => g.name)).toEqual(['offer_dismiss']);
  });

  it('refuses a body over 4 kB with 413', async () => {
    const m = await mount();
    const res = await post(m, { ...couponEvent('click'), padding: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'body too large' });
    await drain(m);
    expect(suite.sim.callCount('goals')).toBe(0);
  });
});

describe('POST /events is rate-limited per visitor and per IP', () => {
  it('per visitor: the N+1th event in a minute → 429 with Retry-After; other visitors carry on', async () => {
    const m = await mount({ limits: { eventsPerMinutePerVisitor: 3 } });
    for (let i = 0; i < 3; i++) expect((await post(m, couponEvent('click'))).status).toBe(202);
    const refused = await post(m, couponEvent('click'));
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'too many events' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // Sliding-window counter: the last window's requests still weigh on the next one, so the
    // honest wait can exceed one window, but never two.
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect((await post(m, { type: 'click', offerId: 'starter-guide' }, OTHER)).status).toBe(202);
    await drain(m);
    expect(goalsOf(IN_COUPON)).toHaveLength(3);
    expect(goalsOf(OTHER)).toHaveLength(1);
  });

  it('per IP: many visitors from one address are limited together', async () => {
    const m = await mount({ limits: { eventsPerMinutePerIp: 3, eventsPerMinutePerVisitor: 100 } });
    const visitors = [0, 1, 2, 3].map((i) => uuidFrom(`events-ip-${i}`));
    const statuses: number[] = [];
    for (const v of visitors) statuses.push((await post(m, { type: 'click', offerId: 'starter-guide' }, v)).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    await drain(m);
    expect(suite.sim.goals).toHaveLength(3);
  });
});

describe('POST /events counts each exposure once', () => {
  it('per visitor and experiment: the second exposure is a duplicate, one goal only, one exposure counted', async () => {
    const m = await mount();
    expect((await post(m, couponEvent('exposure'))).body).toEqual({ ok: true, forwarded: true });
    const again = await post(m, couponEvent('exposure'));
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ ok: true, duplicate: true });
    await drain(m);
    expect(goalsOf(IN_COUPON).map((g) => g.name)).toEqual(['offer_exposure']);
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 0 } });
  });

  it('also when the widget reports the same exposure several times at once', async () => {
    const m = await mount();
    const responses = await Promise.all(Array.from({ length: 6 }, () => post(m, couponEvent('exposure'))));
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(responses.filter((r) => r.body.duplicate !== true)).toHaveLength(1);
    await drain(m);
    expect(goalsOf(IN_COUPON)).toHaveLength(1);
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 0 } });
  });

  it('outside experiments, per visitor and offer', async () => {
    const m = await mount();
    const guide = { type: 'exposure', offerId: 'starter-guide' };
    expect((await post(m, guide, OTHER)).body).toEqual({ ok: true, forwarded: true });
    expect((await post(m, guide, OTHER)).body).toEqual({ ok: true, duplicate: true });
    // Another offer for the same visitor, and the same offer for another visitor, are new exposures.
    expect((await post(m, { type: 'exposure', offerId: 'popular-plan-urgency' }, OTHER)).body).toEqual({ ok: true, forwarded: true });
    expect((await post(m, guide, IN_HOLDOUT)).body).toEqual({ ok: true, forwarded: true });
    await drain(m);
    expect(suite.sim.goals.map((g) => [g.visitorId, g.metadata.offer])).toEqual([
      [OTHER, 'starter-guide'],
      [OTHER, 'popular-plan-urgency'],
      [IN_HOLDOUT, 'starter-guide'],
    ]);
  });

  it('outside experiments too when the same exposure arrives several times at once', async () => {
    const m = await mount();
    const responses = await Promise.all(Array.from({ length: 6 }, () => post(m, { type: 'exposure', offerId: 'starter-guide' }, OTHER)));
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(responses.filter((r) => r.body.duplicate !== true)).toHaveLength(1);
    await drain(m);
    expect(goalsOf(OTHER)).toHaveLength(1);
  });

  it('clicks and dismisses are not de-duplicated', async () => {
    const m = await mount();
    for (const type of ['click', 'click', 'dismiss', 'dismiss']) expect((await post(m, couponEvent(type))).body).toEqual({ ok: true, forwarded: true });
    await drain(m);
    expect(goalsOf(IN_COUPON)).toHaveLength(4);
  });

  it('counts the exposure of a control, which shows no offer (offerId null)', async () => {
    const m = await mount();
    const control = { type: 'exposure', offerId: null, experiment: EXPERIMENT.id, variant: 'control' };
    const res = await post(m, control, IN_CONTROL);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true, forwarded: true });
    expect((await post(m, control, IN_CONTROL)).body).toEqual({ ok: true, duplicate: true });
    await drain(m);
    expect(goalsOf(IN_CONTROL).map((g) => [g.name, g.metadata])).toEqual([
      ['offer_exposure', { offer: 'none', experiment: EXPERIMENT.id, variant: 'control' }],
    ]);
    expect(await counts(m)).toEqual({ control: { exposures: 1, conversions: 0 } });
  });

  it('counts, for its own arm, the exposure of a treatment whose offer was withdrawn (it shows nothing, like a control)', async () => {
    const m = await mount();
    // What the widget sends when /offer answered the experiment with offer null (coupon-expired, pool empty).
    const withdrawn = { type: 'exposure', offerId: null, experiment: EXPERIMENT.id };
    expect((await post(m, withdrawn, IN_COUPON)).status).toBe(202);
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 0 } });
    // Only an exposure may come without its arm's offer.
    expect((await post(m, { ...withdrawn, type: 'click' }, IN_COUPON)).status).toBe(400);
  });
});

describe('POST /events counts conversions only for exposed visitors', () => {
  it('an exposed visitor’s conversion is counted once for their variant', async () => {
    const m = await mount();
    await post(m, couponEvent('exposure'));
    expect((await post(m, couponEvent('conversion'))).status).toBe(202);
    expect((await post(m, couponEvent('conversion'))).status).toBe(202);
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
    await drain(m);
    expect(goalsOf(IN_COUPON).map((g) => g.name)).toEqual(['offer_exposure', 'offer_conversion', 'offer_conversion']);
  });

  it('a conversion from a visitor never exposed is forwarded to DataFast but not counted in results', async () => {
    const m = await mount();
    expect((await post(m, couponEvent('conversion'))).status).toBe(202);
    expect(await counts(m)).toEqual({});
    await drain(m);
    expect(goalsOf(IN_COUPON).map((g) => g.name)).toEqual(['offer_conversion']);
  });

  it('a conversion that names no experiment counts for every experiment the visitor was exposed to', async () => {
    const m = await mount();
    await post(m, { type: 'exposure', offerId: null, experiment: EXPERIMENT.id, variant: 'control' }, IN_CONTROL);
    expect((await post(m, { type: 'conversion', offerId: 'starter-guide' }, IN_CONTROL)).status).toBe(202);
    expect(await counts(m)).toEqual({ control: { exposures: 1, conversions: 1 } });
  });
});

describe('POST /events when DataFast fails', () => {
  it('answers 202 at once, and delivers the goal later, exactly once (outbox backoff)', async () => {
    const m = await mount();
    suite.sim.setFault({ kind: 'status', status: 503 }, { match: 'goals', times: 3 });
    const res = await post(m, couponEvent('exposure'));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true, forwarded: true });
    // Answered before the goal got through: the route does not wait for DataFast.
    expect(goalsOf(IN_COUPON)).toEqual([]);
    await drain(m);
    expect(suite.sim.callCount('goals')).toBe(4);
    expect(goalsOf(IN_COUPON).map((g) => g.name)).toEqual(['offer_exposure']);
    expect(internalsOf(m.router).outbox.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 1, retries: 3, failed: 0, rejected: 0 });
    expect(internalsOf(m.router).goals.stats().dropped).toBe(0);
  });

  it('delivers every event sent during the outage, each exactly once', async () => {
    const m = await mount();
    suite.sim.setFault({ kind: 'status', status: 503 }, { match: 'goals', times: 3 });
    for (const type of ['exposure', 'click', 'dismiss', 'conversion']) expect((await post(m, couponEvent(type))).status).toBe(202);
    await drain(m);
    expect(goalsOf(IN_COUPON).map((g) => g.name).sort()).toEqual(['offer_click', 'offer_conversion', 'offer_dismiss', 'offer_exposure']);
    expect(internalsOf(m.router).outbox.stats()).toMatchObject({ delivered: 4, failed: 0 });
    expect(internalsOf(m.router).goals.stats().dropped).toBe(0);
  });

  it('a goal the outbox cannot take is reported (forwarded: false), counted as dropped and logged — never silent', async () => {
    const dataDir = mkdtempSync(join(suite.baseDir, 'r-'));
    const m = await mount({ dataDir });
    await store(m);
    // The store refuses outbox writes (the table is gone, as in a damaged database); a click stores nothing else.
    const restore = takeTableAway(dataDir, 'vo_outbox');
    try {
      const res = await post(m, couponEvent('click'));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ ok: true, forwarded: false });
      expect(internalsOf(m.router).goals.stats().dropped).toBe(1);
      expect(suite.log.text()).toMatch(/could not queue a goal .*goal dropped/);
    } finally {
      restore();
    }
    // The next one is queued and sent: the outbox carries on.
    expect((await post(m, couponEvent('click'))).body).toEqual({ ok: true, forwarded: true });
    await drain(m);
    expect(goalsOf(IN_COUPON).map((g) => g.name)).toEqual(['offer_click']);
  });
});

describe('POST /events: an exposure and its goal are one write', () => {
  it('an exposure whose goal cannot be queued is not stored either (503); its retry is new and its goal is sent', async () => {
    const dataDir = mkdtempSync(join(suite.baseDir, 'x-'));
    const m = await mount({ dataDir });
    await store(m);
    const restore = takeTableAway(dataDir, 'vo_outbox');
    try {
      const res = await post(m, couponEvent('exposure'));
      expect(res.status).toBe(503);
    } finally {
      restore();
    }
    // Not a duplicate: nothing of the failed attempt was kept, so the retry queues the goal.
    expect((await post(m, couponEvent('exposure'))).body).toEqual({ ok: true, forwarded: true });
    expect((await post(m, couponEvent('exposure'))).body).toEqual({ ok: true, duplicate: true });
    await drain(m);
    expect(goalsOf(IN_COUPON).map((g) => g.name)).toEqual(['offer_exposure']);
  });
});

describe('POST /events when the store cannot be opened', () => {
  it('answers 503 with a clear message and forwards nothing', async () => {
    const file = join(mkdtempSync(join(suite.baseDir, 'f-')), 'not-a-dir');
    writeFileSync(file, 'a regular file');
    const m = await mount({ dataDir: join(file, 'data') });
    const res = await post(m, couponEvent('exposure'));
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/cannot be recorded/);
    await drain(m);
    expect(suite.sim.callCount('goals')).toBe(0);
  });
});
