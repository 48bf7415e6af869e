// GET /visitor-offers/offer with configured coupons and urgency, through the real router and the
// real durable store, against the simulated DataFast and the simulated PostMetric (the same tests
// for both): a pooled coupon gives each visitor their own
// single-use code, the same one on every visit and after a restart, and is withdrawn when the pool
// runs out; a coupon's expiry and an urgency countdown run from the visitor's first exposure and
// are stable; past them the offer is withdrawn; the browser never sees the pool or its file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { POSTMETRIC_PERSONA_IDS } from '../../../demo/postmetric-personas';
import { ConfigError } from '../../../server/config/config-error';
import type { CouponOffer, Offer, UrgencyOffer } from '../../../server/decision/offer';
import {visitorOffers } from '../../../server/router';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { openStore } from '../../../server/store/open-store';
import { keysOf } from '../../support/forbidden';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite, type SuiteProvider } from '../../support/route-suite';
import { visitorIds } from '../../support/visitor-ids';
import { internalsOf } from '../../../server/router-internals';
import { signedToken } from '../../support/decision-tokens';

const MINUTE = 60_000;
/** Three visitors each simulator knows, the segments the first and last are placed in, and its cookie. */
const SIDES = {
  datafast: { cookie: 'datafast_visitor_id', ids: 'uuid', visitors: [personas.low.visitorId, personas.average.visitorId, personas.high.visitorId], segments: { low: 'low', high: 'high' } },
  postmetric: { cookie: 'postmetric_visitor_id', ids: 'text', visitors: [POSTMETRIC_PERSONA_IDS.firstVisit, POSTMETRIC_PERSONA_IDS.pricingReturning, POSTMETRIC_PERSONA_IDS.checkout], segments: { low: 'unknown', high: 'high' } },
} as const;

describe.each(['datafast', 'postmetric'] as SuiteProvider[])('against the simulated %s', (provider) => {
  const side = SIDES[provider];
  const [LOW = '', AVERAGE = '', HIGH = ''] = side.visitors;
  // PostMetric has no prediction: its visitors are placed by the local score (a one-page first
  // visit is too little data for a segment), and its answers say so.
  const scored = provider === 'postmetric' ? { scoreSource: 'local' } : {};
  // Any valid id is a visitor with pageviews here, so the simulator accepts goals for generated ids.
  // PostMetric's own limit and its router's default budget (100 a minute) are lifted: these tests
  // are about coupons, and ask about more visitors at once than the budget's burst.
  const suite = useRouteSuite(`coupons-${provider}`, { provider, sim: { generateUnknown: true }, pm: { generateUnknown: true, rateLimitPerMinute: 1_000_000 } });

  const base = { placement: 'slide-in', trigger: { type: 'immediate' }, headline: 'Just for you', body: 'Take it while it lasts.' } as const;

  function coupon(id: string, fields: Partial<CouponOffer>): CouponOffer {
    return { id, kind: 'coupon', ...base, code: null, codePool: null, discountLabel: '20% off', expiresInMinutes: null, ...fields };
  }

  function urgency(id: string, fields: Partial<UrgencyOffer>): UrgencyOffer {
    return { id, kind: 'urgency', ...base, deadline: null, countdownMinutes: null, showLiveActivity: false, ...fields };
  }

  /** A pool file of single-use codes, written the way an owner would (comments and blank lines allowed). */
  function poolFile(codes: string[]): string {
    const path = join(mkdtempSync(join(suite.baseDir, 'pool-')), 'codes.txt');
    writeFileSync(path, `# single-use codes\n\n${codes.join('\n')}\n`);
    return path;
  }

  /** Every visitor gets `offer` (one rule that always matches). */
  function optionsFor(offer: Offer, dataDir: string): VisitorOffersOptions {
    return {
      // A deadline no answering simulator misses on a loaded machine: these tests are not about timeouts.
      ...suite.analytics({ timeoutMs: 1500 }),
      ...(provider === 'postmetric' ? { upstream: { callsPerMinute: null } } : {}),
      decisions: { offers: [offer], rules: [{ id: 'everyone', when: {}, then: { offer: offer.id } }] },
      dataDir,
      logger: suite.log.logger,
    };
  }

  async function mount(offer: Offer, dataDir = mkdtempSync(join(suite.baseDir, 'data-'))): Promise<MountedRouter & { dataDir: string }> {
    const m = await mountRouter(optionsFor(offer, dataDir));
    suite.track(m);
    return { ...m, dataDir };
  }

  const getOffer = (m: MountedRouter, visitor: string) =>
    request(m.server).get('/visitor-offers/offer').query({ path: '/pricing' }).set('Cookie', `${side.cookie}=${visitor}`);

  /** The exposure the widget reports, with a token the router signs for the offer. */
  const expose = async (m: MountedRouter, visitor: string, offerId: string) =>
    request(m.server)
      .post('/visitor-offers/events')
      .set('Origin', m.origin)
      .set('Cookie', `${side.cookie}=${visitor}`)
      .send({ type: 'exposure', offerId, token: await signedToken(m.router, { visitorId: visitor, offerId, experiment: null }, Date.now(), side.ids) });

  /** Writes a first exposure into a data directory, as an earlier run of the server would have. */
  async function recordedExposure(offerId: string, visitor: string, at: number): Promise<string> {
    const dataDir = mkdtempSync(join(suite.baseDir, 'data-'));
    const store = await openStore({ dataDir });
    await store.recordFirstExposure(offerId, visitor, at);
    await store.close();
    return dataDir;
  }

  describe('a pooled coupon gives every visitor their own single-use code', () => {
    it('one code per visitor, the same on every visit; withdrawn (coupon-pool-empty) when the codes run out', async () => {
      const pool = poolFile(['SPRING-A1', 'SPRING-B2']);
      const m = await mount(coupon('pooled', { codePool: pool }));

      const low = await getOffer(m, LOW);
      expect(low.status).toBe(200);
      expect(low.body).toMatchObject({ reason: 'rule:everyone', offer: { id: 'pooled', kind: 'coupon', code: 'SPRING-A1', discountLabel: '20% off' } });
      const average = await getOffer(m, AVERAGE);
      expect(average.body.offer.code).toBe('SPRING-B2');

      // Repeat visits: the same code, no new one taken.
      for (let i = 0; i < 3; i++) {
        expect((await getOffer(m, LOW)).body.offer.code).toBe('SPRING-A1');
        expect((await getOffer(m, AVERAGE)).body.offer.code).toBe('SPRING-B2');
      }

      const high = await getOffer(m, HIGH);
      expect(high.status).toBe(200);
      expect(high.body).toEqual({ offer: null, experiment: null, segment: side.segments.high, reason: 'coupon-pool-empty', ...scored });
      // Those who have a code keep it.
      expect((await getOffer(m, LOW)).body.offer.code).toBe('SPRING-A1');
      expect((await (await internalsOf(m.router).store.ready).couponCodesUsed('pooled'))).toBe(2);
    });

    it('keeps every visitor’s code across a restart on the same data directory', async () => {
      const pool = poolFile(['SPRING-A1', 'SPRING-B2']);
      const offer = coupon('pooled', { codePool: pool });
      const first = await mount(offer);
      expect((await getOffer(first, LOW)).body.offer.code).toBe('SPRING-A1');
      expect((await getOffer(first, AVERAGE)).body.offer.code).toBe('SPRING-B2');
      await first.close();

      const second = await mount(offer, first.dataDir);
      // Asked in the other order: each still gets their own.
      expect((await getOffer(second, AVERAGE)).body.offer.code).toBe('SPRING-B2');
      expect((await getOffer(second, LOW)).body.offer.code).toBe('SPRING-A1');
      expect((await getOffer(second, HIGH)).body.reason).toBe('coupon-pool-empty');
    });

    it('hands out distinct codes to visitors asking at the same moment', async () => {
      const codes = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6'];
      const m = await mount(coupon('pooled', { codePool: poolFile(codes) }));
      const visitors = visitorIds(8, 'coupon-race');
      const answers = await Promise.all(visitors.map((v) => getOffer(m, v)));
      const given = answers.map((r) => r.body.offer?.code as string | undefined).filter((c): c is string => c !== undefined);
      expect(given.sort()).toEqual(codes);
      expect(answers.filter((r) => r.body.reason === 'coupon-pool-empty')).toHaveLength(2);
    });

    it('never sends the browser the pool, its file, or anybody else’s code', async () => {
      const pool = poolFile(['SPRING-A1', 'SPRING-B2']);
      const m = await mount(coupon('pooled', { codePool: pool }));
      const res = await getOffer(m, LOW);
      expect(res.body.offer.code).toBe('SPRING-A1');
      expect(keysOf(res.body)).not.toContain('codePool');
      expect(res.text).not.toContain(pool);
      expect(res.text).not.toContain('codes.txt');
      expect(res.text).not.toContain(suite.baseDir);
      expect(res.text).not.toContain('SPRING-B2');
    });
  });

  describe('a pooled coupon’s file is checked when the router is created', () => {
    const make = (codePool: string) =>
      visitorOffers(optionsFor(coupon('pooled', { codePool }), mkdtempSync(join(suite.baseDir, 'data-'))));

    it('a missing file → ConfigError naming decisions.offers[0].codePool', () => {
      const missing = join(suite.baseDir, 'no-such-dir', 'codes.txt');
      expect(() => make(missing)).toThrow(ConfigError);
      expect(() => make(missing)).toThrow(/^decisions\.offers\[0\]\.codePool: cannot read ".*codes\.txt" \(ENOENT\)$/);
      try {
        make(missing);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).setting).toBe('decisions.offers[0].codePool');
      }
    });

    it.each([
      ['a file without codes', '# nothing yet\n\n', /has no codes/],
      ['a code listed twice', 'A1\nB2\nA1\n', /line 3: code "A1" appears twice/],
      ['a line that is not a code', 'A1\nnot a code\n', /line 2: "not a code" is not a code/],
    ])('%s → ConfigError naming decisions.offers[0].codePool and the problem', (_label, text, problem) => {
      const path = join(mkdtempSync(join(suite.baseDir, 'pool-')), 'codes.txt');
      writeFileSync(path, text);
      expect(() => make(path)).toThrow(ConfigError);
      expect(() => make(path)).toThrow(/^decisions\.offers\[0\]\.codePool: /);
      expect(() => make(path)).toThrow(problem);
    });
  });

  describe('a coupon’s expiry runs from the visitor’s first exposure', () => {
    const timed = coupon('timed', { code: 'TIMED10', expiresInMinutes: 30 });

    it('expiresAt is null before the first exposure, then first exposure + N minutes, stable across requests', async () => {
      const m = await mount(timed);
      const before = await getOffer(m, LOW);
      expect(before.body.offer).toMatchObject({ id: 'timed', code: 'TIMED10', expiresAt: null });

      const t0 = Date.now();
      expect((await expose(m, LOW, 'timed')).status).toBe(202);
      const t1 = Date.now();
      const first = (await (await internalsOf(m.router).store.ready).firstExposure('timed', LOW));
      expect(first).toBeGreaterThanOrEqual(t0);
      expect(first).toBeLessThanOrEqual(t1);

      const expected = new Date((first ?? 0) + 30 * MINUTE).toISOString();
      expect((await getOffer(m, LOW)).body.offer.expiresAt).toBe(expected);
      // Later requests and later exposures do not move it.
      await new Promise((r) => setTimeout(r, 20));
      expect((await expose(m, LOW, 'timed')).body).toEqual({ ok: true, duplicate: true });
      expect((await getOffer(m, LOW)).body.offer.expiresAt).toBe(expected);
      // Another visitor's clock has not started.
      expect((await getOffer(m, AVERAGE)).body.offer.expiresAt).toBeNull();
    });

    it('stays the same after a restart', async () => {
      const first = await mount(timed);
      await expose(first, LOW, 'timed');
      const expiresAt = (await getOffer(first, LOW)).body.offer.expiresAt as string;
      expect(expiresAt).not.toBeNull();
      await first.close();
      const second = await mount(timed, first.dataDir);
      expect((await getOffer(second, LOW)).body.offer.expiresAt).toBe(expiresAt);
    });

    it('once past, the offer is withdrawn (coupon-expired)', async () => {
      const dataDir = await recordedExposure('timed', LOW, Date.now() - 2 * MINUTE);
      const m = await mount(coupon('timed', { code: 'TIMED10', expiresInMinutes: 1 }), dataDir);
      const res = await getOffer(m, LOW);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ offer: null, experiment: null, segment: side.segments.low, reason: 'coupon-expired', ...scored });
      expect(res.text).not.toContain('TIMED10');
      // Not yet expired for somebody else.
      expect((await getOffer(m, AVERAGE)).body.offer).toMatchObject({ code: 'TIMED10', expiresAt: null });
    });

    it('an expired visitor takes no code from a pool', async () => {
      const dataDir = await recordedExposure('pooled', LOW, Date.now() - 2 * MINUTE);
      const m = await mount(coupon('pooled', { codePool: poolFile(['ONLY-ONE']), expiresInMinutes: 1 }), dataDir);
      expect((await getOffer(m, LOW)).body.reason).toBe('coupon-expired');
      expect((await (await internalsOf(m.router).store.ready).couponCodesUsed('pooled'))).toBe(0);
      expect((await getOffer(m, AVERAGE)).body.offer.code).toBe('ONLY-ONE');
    });
  });

  describe('urgency shows a real end time', () => {
    it('countdownMinutes → endsAt = first exposure + N minutes (null before the first exposure), stable', async () => {
      const m = await mount(urgency('countdown', { countdownMinutes: 10 }));
      expect((await getOffer(m, HIGH)).body.offer).toMatchObject({ id: 'countdown', kind: 'urgency', endsAt: null });
      await expose(m, HIGH, 'countdown');
      const first = (await (await internalsOf(m.router).store.ready).firstExposure('countdown', HIGH)) ?? 0;
      const expected = new Date(first + 10 * MINUTE).toISOString();
      expect((await getOffer(m, HIGH)).body.offer.endsAt).toBe(expected);
      expect((await getOffer(m, HIGH)).body.offer.endsAt).toBe(expected);
    });

    it('a countdown that has run out → withdrawn (deadline-passed)', async () => {
      const dataDir = await recordedExposure('countdown', HIGH, Date.now() - 11 * MINUTE);
      const m = await mount(urgency('countdown', { countdownMinutes: 10 }), dataDir);
      expect((await getOffer(m, HIGH)).body).toEqual({ offer: null, experiment: null, segment: side.segments.high, reason: 'deadline-passed', ...scored });
    });

    it('a deadline in the future → endsAt is the deadline, the same for everybody', async () => {
      const deadline = new Date(Date.now() + 3 * 60 * MINUTE).toISOString();
      const m = await mount(urgency('launch', { deadline }));
      expect((await getOffer(m, HIGH)).body.offer).toMatchObject({ id: 'launch', deadline, endsAt: deadline });
      expect((await getOffer(m, LOW)).body.offer.endsAt).toBe(deadline);
    });

    it('a deadline in the past → withdrawn (deadline-passed)', async () => {
      const m = await mount(urgency('launch', { deadline: '2020-01-01T00:00:00.000Z' }));
      expect((await getOffer(m, HIGH)).body).toEqual({ offer: null, experiment: null, segment: side.segments.high, reason: 'deadline-passed', ...scored });
    });
  });
});
