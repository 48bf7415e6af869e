// GET /visitor-offers/offer with a preview link's parameters, through the real router, the real
// store and the simulated DataFast or PostMetric (the same tests for both): a valid token shows the previewed offer (or what a segment
// would get on the page) to anybody, cookie or not, with `reason: "preview"` — without asking
// the analytics API, claiming a single-use code, writing to the store or entering an experiment; a bad,
// expired or misdirected token shows nothing and says why; without an admin token nothing is honoured.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { POSTMETRIC_PERSONA_IDS } from '../../../demo/postmetric-personas';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import type { CouponOffer, Offer, UrgencyOffer } from '../../../server/decision/offer';
import { PREVIEW_CODE } from '../../../server/preview/answer';
import { PreviewKey, signPreview } from '../../../server/preview/token';
import { internalsOf } from '../../../server/router-internals';
import { rowCensus } from '../../support/store-faults';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite, type SuiteProvider } from '../../support/route-suite';

const ADMIN = 'preview-route-admin-token-0123456789';
const MINUTE = 60_000;
/**
 * Each provider's cookie, and a visitor who would get no offer: a DataFast customer; PostMetric has
 * no customers (no payments, no profiles), so one it has never seen (unknown-visitor).
 */
const SIDES = {
  datafast: { cookie: 'datafast_visitor_id', nobody: { id: personas.customer.visitorId, segment: 'customer' } },
  postmetric: { cookie: 'postmetric_visitor_id', nobody: { id: POSTMETRIC_PERSONA_IDS.unknown, segment: 'unknown' } },
} as const;

describe.each(['datafast', 'postmetric'] as SuiteProvider[])('against the simulated %s', (provider) => {
  const side = SIDES[provider];
  const suite = useRouteSuite(`offer-preview-${provider}`, { provider, secrets: [ADMIN] });

  const base = { placement: 'slide-in', trigger: { type: 'immediate' }, headline: 'Just for you', body: 'Take it while it lasts.' } as const;
  const pooled = (codePool: string): CouponOffer => ({
    id: 'pooled', kind: 'coupon', ...base, code: null, codePool, discountLabel: '20% off', expiresInMinutes: 30,
  });
  const countdown: UrgencyOffer = { id: 'countdown', kind: 'urgency', ...base, deadline: null, countdownMinutes: 10, showLiveActivity: false };
  const ended: UrgencyOffer = { ...countdown, id: 'ended', countdownMinutes: null, deadline: '2020-01-01T00:00:00.000Z' };

  function options(extra: Partial<VisitorOffersOptions> = {}): VisitorOffersOptions & { dataDir: string } {
    const pool = join(mkdtempSync(join(suite.baseDir, 'pool-')), 'codes.txt');
    writeFileSync(pool, 'SPRING-A1\nSPRING-B2\n');
    const offers: Offer[] = [pooled(pool), countdown, ended];
    return {
      ...suite.analytics({ timeoutMs: 400 }),
      offers,
      experiments: [{ id: 'hero', variants: [{ id: 'control', weight: 1, offer: null }, { id: 'pooled', weight: 1, offer: 'pooled' }] }],
      rules: [
        { id: 'pricing-low', when: { segment: ['low'], path: ['/pricing'] }, then: { offer: 'countdown' } },
        { id: 'everyone-in-hero', when: { segment: ['low', 'average', 'high', 'unknown'] }, then: { experiment: 'hero' } },
      ],
      adminToken: ADMIN,
      dataDir: mkdtempSync(join(suite.baseDir, 'data-')),
      logger: suite.log.logger,
      ...extra,
    };
  }

  async function mount(extra: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter & { dataDir: string }> {
    const o = options(extra);
    const m = suite.track(await mountRouter(o));
    await internalsOf(m.router).store.ready;
    return { ...m, dataDir: o.dataDir };
  }

  /** A link from the router's own endpoint, as the dashboard gets it. */
  async function link(m: MountedRouter, target: string, path = '/pricing'): Promise<string> {
    const res = await request(m.server).post('/visitor-offers/preview-links').set('Authorization', `Bearer ${ADMIN}`).send({ target, path });
    expect(res.status).toBe(201);
    return res.body.url as string;
  }

  /** GET /offer as the widget asks on the link's page: its path, and the page's two parameters passed on. */
  function openLink(m: MountedRouter, url: string, cookie?: string) {
    const u = new URL(url, 'http://site.example');
    const params = [...u.searchParams].filter(([k]) => k.startsWith('visitor-offers-'));
    const query = new URLSearchParams([['path', u.pathname + u.search], ...params]);
    const req = request(m.server).get(`/visitor-offers/offer?${query}`);
    return cookie ? req.set('Cookie', `${side.cookie}=${cookie}`) : req;
  }

  /** GET /offer with explicit preview parameters. */
  function offerWith(m: MountedRouter, target: string, token: string, path = '/pricing') {
    return request(m.server).get('/visitor-offers/offer').query({ path, 'visitor-offers-preview': target, 'visitor-offers-token': token });
  }


  describe('a valid preview link', () => {
    it('shows the offer to a visitor without a cookie, without DataFast, with reason "preview" and no experiment', async () => {
      const m = await mount();
      const res = await openLink(m, await link(m, 'countdown'));
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(res.body).toMatchObject({ offer: { id: 'countdown', kind: 'urgency' }, experiment: null, reason: 'preview', preview: true });
      expect(suite.upstream.calls).toHaveLength(0);
    });

    it('shows the offer to a visitor who would get none (a customer, or one PostMetric never saw), still without asking the API', async () => {
      const m = await mount();
      const customer = side.nobody.id;
      expect((await request(m.server).get('/visitor-offers/offer').query({ path: '/pricing' }).set('Cookie', `${side.cookie}=${customer}`)).body).toMatchObject({
        offer: null,
        segment: side.nobody.segment,
      });
      suite.upstream.resetCalls();
      const res = await openLink(m, await link(m, 'countdown'), customer);
      expect(res.body).toMatchObject({ offer: { id: 'countdown' }, reason: 'preview', preview: true, experiment: null });
      expect(suite.upstream.calls).toHaveLength(0);
    });

    it('shows a pooled coupon with a placeholder code and claims none; expiry and countdown run from now; nothing is stored', async () => {
      const m = await mount();
      // Once the start-up's own write is done (the decision tokens' generated secret).
      await internalsOf(m.router).keys.load();
      const before = rowCensus(m.dataDir);
      const t0 = Date.now();
      const coupon = await openLink(m, await link(m, 'pooled'));
      const urgent = await openLink(m, await link(m, 'countdown'));
      const t1 = Date.now();
      expect(coupon.body.offer).toMatchObject({ id: 'pooled', code: PREVIEW_CODE, discountLabel: '20% off' });
      expect(coupon.text).not.toContain('SPRING-');
      const expiresAt = Date.parse(coupon.body.offer.expiresAt as string);
      expect(expiresAt).toBeGreaterThanOrEqual(t0 + 30 * MINUTE);
      expect(expiresAt).toBeLessThanOrEqual(t1 + 30 * MINUTE);
      const endsAt = Date.parse(urgent.body.offer.endsAt as string);
      expect(endsAt).toBeGreaterThanOrEqual(t0 + 10 * MINUTE);
      expect(endsAt).toBeLessThanOrEqual(t1 + 10 * MINUTE);

      const store = await internalsOf(m.router).store.ready;
      expect(await store.couponCodesUsed('pooled')).toBe(0);
      expect(rowCensus(m.dataDir)).toEqual(before);
      expect([...(await store.experimentCounts('hero')).values()].reduce((n, c) => n + c.exposures, 0)).toBe(0);
    });

    it('tells the truth about an offer visitors can no longer get (deadline-passed)', async () => {
      const m = await mount();
      expect((await openLink(m, await link(m, 'ended'))).body).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'deadline-passed', preview: true });
    });

    it('for a segment: what that segment would get on the page, through the rules and bySegment, experiments passed over', async () => {
      const m = await mount();
      const onPricing = await openLink(m, await link(m, 'segment:low', '/pricing'));
      expect(onPricing.body).toMatchObject({ offer: { id: 'countdown' }, segment: 'low', reason: 'preview', preview: true, experiment: null });
      const onHome = await openLink(m, await link(m, 'segment:low', '/'));
      expect(onHome.body).toMatchObject({ offer: { id: 'welcome-coupon', code: 'WELCOME15' }, segment: 'low', experiment: null });
      const customer = await openLink(m, await link(m, 'segment:customer', '/pricing'));
      expect(customer.body).toEqual({ offer: null, experiment: null, segment: 'customer', reason: 'preview', preview: true });
      expect(suite.upstream.calls).toHaveLength(0);
    });
  });

  describe('a preview that is not honoured shows nothing and says why', () => {
    const key = PreviewKey.fromAdminToken(ADMIN);

    it('an expired token → preview-expired', async () => {
      const m = await mount();
      const { token } = signPreview(key, 'offer:countdown', Date.now() - 61 * MINUTE, 60);
      expect((await offerWith(m, 'countdown', token)).body).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'preview-expired' });
    });

    it('a token for another offer or segment → preview-other-target', async () => {
      const m = await mount();
      const url = await link(m, 'countdown');
      const token = new URL(url, 'http://x').searchParams.get('visitor-offers-token') ?? '';
      expect((await offerWith(m, 'pooled', token)).body.reason).toBe('preview-other-target');
      expect((await offerWith(m, 'segment:low', token)).body.reason).toBe('preview-other-target');
    });

    it('a changed, foreign or missing token, or a target that is none → preview-invalid', async () => {
      const m = await mount();
      const good = new URL(await link(m, 'countdown'), 'http://x').searchParams.get('visitor-offers-token') ?? '';
      const changed = good.replace(/\.(\w+)\.([\w-]+)$/, (_, exp: string, sig: string) => `.${(Number.parseInt(exp, 36) + 3600).toString(36)}.${sig}`);
      const foreign = signPreview(PreviewKey.fromAdminToken(`${ADMIN}-elsewhere`), 'offer:countdown', Date.now()).token;
      for (const [target, token] of [['countdown', changed], ['countdown', foreign], ['countdown', ''], ['countdown', 'nonsense'], ['segment:vip', good], ['Not An Id', good]]) {
        expect((await offerWith(m, target ?? '', token ?? '')).body, `${target} ${token}`).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'preview-invalid' });
      }
      const noToken = await request(m.server).get('/visitor-offers/offer').query({ path: '/', 'visitor-offers-preview': 'countdown' });
      expect(noToken.body.reason).toBe('preview-invalid');
    });

    it('an offer removed since the link was made → preview-unknown-offer', async () => {
      const m = await mount();
      const { token } = signPreview(key, 'offer:retired', Date.now());
      expect((await offerWith(m, 'retired', token)).body.reason).toBe('preview-unknown-offer');
    });

    it('without an admin token nothing is honoured (preview-disabled), whoever signed it', async () => {
      const m = await mount({ adminToken: null });
      for (const k of [key, PreviewKey.random()]) {
        const { token } = signPreview(k, 'offer:countdown', Date.now());
        expect((await offerWith(m, 'countdown', token)).body).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'preview-disabled' });
      }
      expect((await request(m.server).post('/visitor-offers/preview-links').send({ target: 'countdown' })).status).toBe(404);
    });

    it('a page without preview parameters is decided as always', async () => {
      const m = await mount();
      const res = await request(m.server).get('/visitor-offers/offer').query({ path: '/pricing' });
      expect(res.body).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'no-cookie' });
    });
  });

  describe('the open demo dashboard without an admin token', () => {
    it('signs links with a key of its own process, which another router does not accept', async () => {
      const a = await mount({ adminToken: null, dashboard: 'open' });
      const b = await mount({ adminToken: null, dashboard: 'open' });
      const res = await request(a.server).post('/visitor-offers/preview-links').send({ target: 'countdown', path: '/pricing' });
      expect(res.status).toBe(201);
      const url = res.body.url as string;
      expect((await openLink(a, url)).body).toMatchObject({ offer: { id: 'countdown' }, reason: 'preview' });
      expect((await openLink(b, url)).body.reason).toBe('preview-invalid');
    });
  });
});
