// GET /visitor-offers/experiments through the real router over real sockets: the owner's results
// view behind a bearer ADMIN_TOKEN. The counts are driven the way production drives them — many
// visitors' exposures and conversions POSTed to /events — and checked against what was sent, per
// variant, with each visitor's variant computed by the real assignment. A deliberately skewed
// split is flagged as a sample ratio mismatch.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import { assign } from '../../../server/experiments/assign';
import type { ExperimentResult } from '../../../server/experiments/results';
import type { Experiment } from '../../../server/experiments/types';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { visitorIds } from '../../support/visitor-ids';
import { internalsOf } from '../../../server/router-internals';
import { takeTableAway } from '../../support/store-faults';
import { signedToken } from '../../support/decision-tokens';

const TOKEN = 'admin-token-0123456789abcdefghijkl';

const HERO: Experiment = {
  id: 'hero',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
  ],
};
// Configured but never shown: still listed, with zero counts.
const IDLE: Experiment = {
  id: 'idle',
  coverage: 0.5,
  status: 'stopped',
  variants: [
    { id: 'a', weight: 3, offer: 'starter-guide' },
    { id: 'b', weight: 1, offer: 'popular-plan-urgency' },
  ],
};

// Any valid UUID is a visitor with pageviews here, so DataFast accepts goals for generated ids.
const suite = useRouteSuite('experiments', { sim: { generateUnknown: true }, secrets: [TOKEN], closeTimeoutMs: 2000 });

async function mount(options: Partial<VisitorOffersOptions> = {}, dataDir = mkdtempSync(join(suite.baseDir, 'data-'))): Promise<MountedRouter & { dataDir: string }> {
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 1000 },
    decisions: { experiments: [HERO, IDLE], rules: [{ id: 'ab', when: {}, then: { experiment: HERO.id } }] },
    dataDir,
    adminToken: TOKEN,
    limits: { eventsPerMinutePerIp: 1_000_000 },
    logger: suite.log.logger,
    ...options,
  });
  suite.track(m);
  return { ...m, dataDir };
}

const results = (m: MountedRouter, authorization: string | null = `Bearer ${TOKEN}`) => {
  const r = request(m.server).get('/visitor-offers/experiments');
  return authorization === null ? r : r.set('Authorization', authorization);
};

/** POSTs the events as the widget would, 25 at a time. */
async function sendEvents(m: MountedRouter, events: Array<{ visitor: string; type: 'exposure' | 'conversion' }>): Promise<void> {
  for (let i = 0; i < events.length; i += 25) {
    const batch = events.slice(i, i + 25).map(async ({ visitor, type }) => {
      const a = assign(HERO, visitor);
      if (!a) throw new Error('coverage is 1: everybody is enrolled');
      const token = await signedToken(m.router, { visitorId: visitor, offerId: a.offerId, experiment: { id: HERO.id, variant: a.variantId } });
      const res = await request(m.server)
        .post('/visitor-offers/events')
        .set('Origin', m.origin)
        .set('Cookie', `datafast_visitor_id=${visitor}`)
        .send(type === 'exposure' ? { type, offerId: a.offerId, token } : { type });
      expect(res.status).toBe(202);
    });
    await Promise.all(batch);
  }
}

describe('GET /experiments is for the owner only', () => {
  it('answers 404 when no admin token is configured', async () => {
    const m = await mount({ adminToken: null });
    const res = await results(m);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not enabled: set ADMIN_TOKEN' });
  });

  it.each([
    ['no Authorization header', null],
    ['a wrong token', 'Bearer wrong-token-0123456789abcdef'],
    ['a prefix of the real token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['a much shorter prefix', `Bearer ${TOKEN.slice(0, 8)}`],
    ['the real token with one more character', `Bearer ${TOKEN}x`],
    ['an empty bearer', 'Bearer '],
    ['the token without the Bearer scheme', TOKEN],
    ['the token as Basic credentials', `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`],
  ])('%s → 401 with a Bearer challenge, no results', async (_label, authorization) => {
    const m = await mount();
    const res = await results(m, authorization);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'admin token required' });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="visitor-offers"');
    expect(res.text).not.toContain('hero');
  });

  it('does not take the token from the query string', async () => {
    const m = await mount();
    const res = await request(m.server).get('/visitor-offers/experiments').query({ token: TOKEN, access_token: TOKEN });
    expect(res.status).toBe(401);
  });

  it('accepts the token with the scheme in any case (RFC 7235: schemes are case-insensitive)', async () => {
    const m = await mount();
    expect((await results(m, `bearer ${TOKEN}`)).status).toBe(200);
    expect((await results(m, `BEARER ${TOKEN}`)).status).toBe(200);
  });

  it('200, not cacheable, every configured experiment listed even without data', async () => {
    const m = await mount();
    const res = await results(m);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const experiments = res.body.experiments as ExperimentResult[];
    expect(experiments.map((e) => e.id)).toEqual(['hero', 'idle']);
    const idle = experiments[1];
    expect(idle).toMatchObject({ id: 'idle', status: 'stopped', coverage: 0.5, sampleRatioMismatch: null });
    expect(idle?.variants.map((v) => [v.id, v.offer, v.expectedShare, v.exposures, v.conversions, v.conversionRate])).toEqual([
      ['a', 'starter-guide', 0.75, 0, 0, null],
      ['b', 'popular-plan-urgency', 0.25, 0, 0, null],
    ]);
  });
});

describe('GET /experiments reports what POST /events counted', () => {
  const visitors = visitorIds(240, 'experiments');
  const variantOf = (v: string): string => assign(HERO, v)?.variantId ?? 'none';
  const byVariant = { control: visitors.filter((v) => variantOf(v) === 'control'), coupon: visitors.filter((v) => variantOf(v) === 'coupon') };
  // Different true rates, so the test has something to find: every 5th control and every 2nd coupon visitor converts.
  const converters = [...byVariant.control.filter((_, i) => i % 5 === 0), ...byVariant.coupon.filter((_, i) => i % 2 === 0)];

  it('exposures, conversions and rates per variant match what was sent; the split is as weighted', async () => {
    expect(byVariant.control.length + byVariant.coupon.length).toBe(240);
    const m = await mount();
    await sendEvents(m, visitors.map((visitor) => ({ visitor, type: 'exposure' })));
    // Repeated exposures and conversions, and conversions of visitors never exposed, change nothing.
    await sendEvents(m, visitors.slice(0, 30).map((visitor) => ({ visitor, type: 'exposure' })));
    await sendEvents(m, converters.map((visitor) => ({ visitor, type: 'conversion' })));
    await sendEvents(m, converters.slice(0, 10).map((visitor) => ({ visitor, type: 'conversion' })));
    await sendEvents(m, visitorIds(20, 'never-exposed').map((visitor) => ({ visitor, type: 'conversion' })));

    const res = await results(m);
    expect(res.status).toBe(200);
    const hero = (res.body.experiments as ExperimentResult[])[0];
    const control = { exposures: byVariant.control.length, conversions: Math.ceil(byVariant.control.length / 5) };
    const coupon = { exposures: byVariant.coupon.length, conversions: Math.ceil(byVariant.coupon.length / 2) };
    expect(hero).toMatchObject({ id: 'hero', status: 'running', coverage: 1 });
    const none = { orders: 0, revenue: 0, revenuePerVisitor: 0, averageOrderValue: null };
    expect(hero?.variants).toEqual([
      { id: 'control', offer: null, expectedShare: 0.5, isControl: true, ...control, conversionRate: control.conversions / control.exposures, ...none, chanceToBeBest: null, vsControl: null },
      {
        id: 'coupon',
        offer: 'welcome-coupon',
        expectedShare: 0.5,
        isControl: false,
        ...coupon,
        conversionRate: coupon.conversions / coupon.exposures,
        ...none,
        chanceToBeBest: null,
        vsControl: {
          conversionRate: expect.objectContaining({ lift: expect.closeTo(coupon.conversions / coupon.exposures / (control.conversions / control.exposures) - 1, 9) }),
          // No revenue anywhere: nothing to compare.
          revenuePerVisitor: null,
          chanceToBeatControl: expect.any(Number),
        },
      },
    ]);
    // 20 % against 50 % on ~120 visitors each: clearly significant for the z-test read once; the
    // always-valid test (tuned to be narrowest at 10,000 visitors) is far more careful this early.
    const rate = hero?.variants[1]?.vsControl?.conversionRate;
    expect(rate?.fixedHorizon?.pValue).toBeLessThan(0.001);
    expect(rate?.difference).toBeCloseTo(coupon.conversions / coupon.exposures - control.conversions / control.exposures, 9);
    expect(rate?.pValue).toBeGreaterThan(rate?.fixedHorizon?.pValue ?? 1);
    expect(rate?.differenceInterval.lower).toBeLessThan(rate?.difference ?? 0);
    expect(hero?.variants[1]?.vsControl?.chanceToBeatControl).toBeGreaterThan(0.99);
    expect(hero?.sampleRatioMismatch?.mismatch).toBe(false);

    // Every accepted event also went to DataFast: one exposure per visitor, every conversion event.
    await internalsOf(m.router).outbox.drain(10_000);
    expect(suite.sim.goals.filter((g) => g.name === 'offer_exposure')).toHaveLength(240);
    expect(suite.sim.goals.filter((g) => g.name === 'offer_conversion')).toHaveLength(converters.length + 10 + 20);
  });

  it('the counts survive a restart (they live in the durable store)', async () => {
    const first = await mount();
    await sendEvents(first, visitors.slice(0, 40).map((visitor) => ({ visitor, type: 'exposure' })));
    await sendEvents(first, visitors.slice(0, 10).map((visitor) => ({ visitor, type: 'conversion' })));
    const before = (await results(first)).body;
    await first.close();
    const second = await mount({}, first.dataDir);
    expect((await results(second)).body).toEqual(before);
    const hero = (before.experiments as ExperimentResult[])[0];
    expect(hero?.variants.reduce((n, v) => n + v.exposures, 0)).toBe(40);
    expect(hero?.variants.reduce((n, v) => n + v.conversions, 0)).toBe(10);
  });

  it('flags a sample ratio mismatch when exposures do not follow the weights', async () => {
    const m = await mount();
    // Tracking "broken" for the coupon variant: only a few of its visitors report their exposure.
    await sendEvents(m, [...byVariant.control, ...byVariant.coupon.slice(0, 15)].map((visitor) => ({ visitor, type: 'exposure' })));
    const hero = ((await results(m)).body.experiments as ExperimentResult[])[0];
    expect(hero?.variants.map((v) => v.exposures)).toEqual([byVariant.control.length, 15]);
    expect(hero?.sampleRatioMismatch).toMatchObject({ mismatch: true, chiSquare: expect.any(Number) });
    expect(hero?.sampleRatioMismatch?.pValue).toBeLessThan(0.001);
  });
});

describe('GET /experiments while the store is unavailable', () => {
  it('answers 503 naming the store while it cannot be opened, never a 500', async () => {
    const file = join(mkdtempSync(join(suite.baseDir, 'f-')), 'not-a-dir');
    writeFileSync(file, 'a regular file');
    const m = await mount({}, join(file, 'data'));
    const res = await results(m);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'experiment results are unavailable: the store is not open (yet); try again shortly' });
    expect(suite.log.text()).not.toMatch(/request failed/);
  });

  it('answers 503 when the counts cannot be read, logged with the code only', async () => {
    const m = await mount();
    await internalsOf(m.router).store.ready;
    const restore = takeTableAway(m.dataDir, 'vo_exposures');
    try {
      const res = await results(m);
      expect(res.status).toBe(503);
      expect(res.body.error).toMatch(/could not be read from the store/);
      expect(suite.log.text()).toMatch(/experiments: could not read the counts/);
    } finally {
      restore();
    }
    expect((await results(m)).status).toBe(200);
  });
});
