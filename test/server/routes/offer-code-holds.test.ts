// A pooled coupon's single-use code through the real router and store, against the simulated
// DataFast and the simulated PostMetric (the same tests for both): GET /offer holds a code for the visitor (shown at once, the same on every visit and
// every instance), the visitor's exposure (POST /events) claims it for good, a hold no exposure
// follows lapses and its code goes to someone else; the pool's stock is logged once per fall.
// Two routers on one real Postgres hand out each code once across both (with PostMetric too).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { POSTMETRIC_PERSONA_IDS } from '../../../demo/postmetric-personas';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import type { CouponOffer, Offer } from '../../../server/decision/offer';
import { internalsOf } from '../../../server/router-internals';
import { openStore } from '../../../server/store/open-store';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { startPostgres, type Postgres } from '../../support/postgres';
import { useRouteSuite, type SuiteProvider } from '../../support/route-suite';
import { visitorIds } from '../../support/visitor-ids';
import { waitFor } from '../../support/wait';
import { signedToken } from '../../support/decision-tokens';

const MINUTE = 60_000;
/** Two visitors each simulator knows, its cookie, and fleet sizes (PostMetric's smaller: the same code paths, less time). */
const SIDES = {
  datafast: { cookie: 'datafast_visitor_id', ids: 'uuid', visitors: [personas.low.visitorId, personas.average.visitorId], fleet: 1000 },
  postmetric: { cookie: 'postmetric_visitor_id', ids: 'text', visitors: [POSTMETRIC_PERSONA_IDS.firstVisit, POSTMETRIC_PERSONA_IDS.pricingReturning], fleet: 200 },
} as const;

describe.each(['datafast', 'postmetric'] as SuiteProvider[])('against the simulated %s', (provider) => {
  const side = SIDES[provider];
  const [LOW = '', AVERAGE = ''] = side.visitors;
  // PostMetric's simulator allows 100 calls a minute and its router budgets 100 by default: both
  // lifted, as these tests are about codes, not the budget (the budget has tests of its own).
  const suite = useRouteSuite(`code-holds-${provider}`, { provider, sim: { generateUnknown: true }, pm: { generateUnknown: true, rateLimitPerMinute: 1_000_000 } });

  function pooled(codes: string[], id = 'pooled'): CouponOffer {
    const path = join(mkdtempSync(join(suite.baseDir, 'pool-')), 'codes.txt');
    writeFileSync(path, `${codes.join('\n')}\n`);
    return { id, kind: 'coupon', placement: 'slide-in', trigger: { type: 'immediate' }, headline: 'Just for you', body: 'One code each.', code: null, codePool: path, discountLabel: '20% off', expiresInMinutes: null };
  }

  function optionsFor(offers: Offer[], extra: Partial<VisitorOffersOptions> = {}): VisitorOffersOptions {
    return {
      ...suite.analytics({ timeoutMs: 1500 }),
      ...(provider === 'postmetric' ? { upstream: { callsPerMinute: null } } : {}),
      decisions: { offers, rules: [{ id: 'everyone', when: {}, then: { offer: offers[0]?.id ?? null } }] },
      dataDir: mkdtempSync(join(suite.baseDir, 'data-')),
      logger: suite.log.logger,
      ...extra,
    };
  }

  const mount = async (options: VisitorOffersOptions): Promise<MountedRouter> => suite.track(await mountRouter(options));

  const getOffer = (m: MountedRouter, visitor: string) => request(m.server).get('/visitor-offers/offer').query({ path: '/pricing' }).set('Cookie', `${side.cookie}=${visitor}`);
  const codeOf = async (m: MountedRouter, visitor: string): Promise<string | null> => ((await getOffer(m, visitor)).body as { offer: { code?: string } | null }).offer?.code ?? null;
  /** The exposure the widget reports, with a token the router signs for the offer (no new /offer, so no new hold). */
  const expose = async (m: MountedRouter, visitor: string, offerId: string) =>
    request(m.server)
      .post('/visitor-offers/events')
      .set('Origin', m.origin)
      .set('Cookie', `${side.cookie}=${visitor}`)
      .send({ type: 'exposure', offerId, token: await signedToken(m.router, { visitorId: visitor, offerId, experiment: null }, Date.now(), side.ids) });
  const storeOf = (m: MountedRouter) => internalsOf(m.router).store.ready;

  /** Log lines (parsed) whose message starts with `prefix`. */
  const logged = (prefix: string) => suite.log.lines.map((l) => JSON.parse(l) as { level: number; msg: string; offer?: string; codesLeft?: number }).filter((l) => l.msg.startsWith(prefix));

  describe('a pooled coupon’s code is held when decided and claimed when seen', () => {
    it('/offer holds the code (shown at once, the same on every visit); the exposure claims it for good', async () => {
      const m = await mount(optionsFor([pooled(['SPRING-A1', 'SPRING-B2'])]));
      expect(await codeOf(m, LOW)).toBe('SPRING-A1');
      expect(await codeOf(m, LOW)).toBe('SPRING-A1');
      const store = await storeOf(m);
      expect(await store.couponStock('pooled')).toEqual({ left: 1, held: 1, claimed: 0 });

      expect((await expose(m, LOW, 'pooled')).status).toBe(202);
      expect(await store.couponStock('pooled')).toEqual({ left: 1, held: 0, claimed: 1 });
      expect((await store.offerFacts('pooled', LOW)).code).toBe('SPRING-A1');
      // A later exposure is a duplicate and claims nothing more; the visitor keeps the code.
      expect((await expose(m, LOW, 'pooled')).body).toEqual({ ok: true, duplicate: true });
      expect(await codeOf(m, LOW)).toBe('SPRING-A1');
      expect(await codeOf(m, AVERAGE)).toBe('SPRING-B2');
      expect(await store.couponStock('pooled')).toEqual({ left: 0, held: 1, claimed: 1 });
      expect(logged('coupon codes: an exposure')).toEqual([]);
    });

    it('an exposure claims the code even if the visitor’s first exposure was recorded before (a failed claim is made up later)', async () => {
      const m = await mount(optionsFor([pooled(['ONLY'])]));
      const store = await storeOf(m);
      await store.recordFirstExposure('pooled', LOW);
      expect(await codeOf(m, LOW)).toBe('ONLY');
      expect((await expose(m, LOW, 'pooled')).body).toEqual({ ok: true, duplicate: true });
      expect(await store.couponStock('pooled')).toEqual({ left: 0, held: 0, claimed: 1 });
    });

    it('holds for codes.holdMinutes: past it, an unclaimed code is back in the pool', async () => {
      const options = optionsFor([pooled(['A', 'B'])], { codes: { holdMinutes: 5 } });
      const m = await mount(options);
      expect(await codeOf(m, LOW)).toBe('A');
      await m.close();
      const at = async (ms: number) => {
        const s = await openStore({ dataDir: options.dataDir ?? '', retentionDays: null, now: () => Date.now() + ms });
        const stock = await s.couponStock('pooled');
        await s.close();
        return stock;
      };
      expect(await at(4 * MINUTE)).toEqual({ left: 1, held: 1, claimed: 0 });
      expect(await at(5 * MINUTE + 1000)).toEqual({ left: 2, held: 0, claimed: 0 });
    });

    it('a lapsed hold goes to the next visitor when no code is free; the late exposure claims nothing, and says so in the log', async () => {
      const offer = pooled(['ONLY']);
      const options = optionsFor([offer]);
      // An earlier run held the only code for LOW two hours ago.
      const earlier = await openStore({ dataDir: options.dataDir ?? '', retentionDays: null, now: () => Date.now() - 120 * MINUTE });
      await earlier.loadCouponPool('pooled', ['ONLY']);
      expect(await earlier.holdCouponCode('pooled', LOW, 60 * MINUTE)).toBe('ONLY');
      await earlier.close();

      const m = await mount(options);
      expect(await codeOf(m, AVERAGE)).toBe('ONLY');
      expect((await expose(m, LOW, 'pooled')).status).toBe(202);
      expect(logged('coupon codes: an exposure')).toMatchObject([{ level: 40, offer: 'pooled' }]);
      expect((await getOffer(m, LOW)).body.reason).toBe('coupon-pool-empty');
      expect((await expose(m, AVERAGE, 'pooled')).status).toBe(202);
      expect(await (await storeOf(m)).couponStock('pooled')).toEqual({ left: 0, held: 0, claimed: 1 });
      expect((await (await storeOf(m)).offerFacts('pooled', AVERAGE)).code).toBe('ONLY');
    });

    it('a lapsed hold nobody took is still the visitor’s: the same code when they come back', async () => {
      const options = optionsFor([pooled(['A', 'B'])]);
      const earlier = await openStore({ dataDir: options.dataDir ?? '', retentionDays: null, now: () => Date.now() - 120 * MINUTE });
      await earlier.loadCouponPool('pooled', ['A', 'B']);
      await earlier.holdCouponCode('pooled', LOW, 60 * MINUTE);
      await earlier.close();
      const m = await mount(options);
      expect(await codeOf(m, AVERAGE)).toBe('B');
      expect(await codeOf(m, LOW)).toBe('A');
      expect(await (await storeOf(m)).couponStock('pooled')).toEqual({ left: 0, held: 2, claimed: 0 });
    });

    it('logs a pool running low once per fall (a warning) and running out once (an error), not per request', async () => {
      const codes = ['C1', 'C2', 'C3', 'C4', 'C5'];
      const m = await mount(optionsFor([pooled(codes)], { codes: { lowStockWarning: 3 } }));
      const visitors = visitorIds(8, 'low-stock');
      for (const v of visitors.slice(0, 2)) await getOffer(m, v);
      // 3 left is not below the threshold: nothing logged (the counts run in the background).
      await getOffer(m, visitors[0] ?? '');
      expect(logged('coupon codes: the pool')).toEqual([]);
      for (const v of visitors.slice(2)) await getOffer(m, v);
      await waitFor(() => logged('coupon codes: the pool is empty').length > 0, 'the empty-pool error');
      // Asked again by everyone: no more lines.
      for (const v of visitors) await getOffer(m, v);
      const lines = logged('coupon codes: the pool');
      expect(lines.map((l) => [l.level, l.msg.split(';')[0]])).toEqual([
        [40, 'coupon codes: the pool is running low'],
        [50, 'coupon codes: the pool is empty'],
      ]);
      expect(lines[0]?.codesLeft).toBeGreaterThan(0);
      expect(lines[0]?.codesLeft).toBeLessThan(3);
      expect(lines[1]?.codesLeft).toBe(0);
    });
  });

  describe('two routers on one Postgres database, as two instances', () => {
    let pg: Postgres;
    beforeAll(async () => {
      pg = await startPostgres();
    }, 60_000);
    afterAll(async () => {
      await pg?.stop();
    });

    it(`${side.fleet.toLocaleString('en')} visitors across both, a pool of ${side.fleet / 2}: each code given once, the rest coupon-pool-empty; each visitor’s code the same on both, claimed on either`, async () => {
      const databaseUrl = await pg.createDatabase();
      const half = side.fleet / 2;
      const codes = Array.from({ length: half }, (_, i) => `FLEET-${String(i).padStart(3, '0')}`);
      const offer = pooled(codes);
      const [a, b] = [await mount(optionsFor([offer], { databaseUrl })), await mount(optionsFor([offer], { databaseUrl }))];
      // UUIDs: PostMetric ids too (its charset).
      const visitors = visitorIds(side.fleet, 'fleet-codes');
      const answers: Array<{ reason: string; code: string | null }> = [];
      // 40 requests in flight at a time, alternating instances.
      for (let i = 0; i < visitors.length; i += 40) {
        const batch = visitors.slice(i, i + 40).map(async (v, j) => {
          const res = await getOffer((i + j) % 2 === 0 ? a : b, v);
          return { reason: (res.body as { reason: string }).reason, code: (res.body as { offer: { code: string } | null }).offer?.code ?? null };
        });
        answers.push(...(await Promise.all(batch)));
      }
      const given = answers.map((x) => x.code).filter((c): c is string => c !== null);
      expect(given).toHaveLength(half);
      expect(new Set(given)).toEqual(new Set(codes));
      expect(answers.filter((x) => x.reason === 'coupon-pool-empty')).toHaveLength(half);

      const holders = visitors.filter((_, i) => answers[i]?.code !== null).slice(0, 20);
      for (const [i, v] of holders.entries()) {
        const code = answers[visitors.indexOf(v)]?.code;
        expect(await codeOf(i % 2 === 0 ? b : a, v)).toBe(code);
        expect((await expose(i % 2 === 0 ? b : a, v, 'pooled')).status).toBe(202);
        expect(await codeOf(i % 2 === 0 ? a : b, v)).toBe(code);
      }
      expect(await (await storeOf(a)).couponStock('pooled')).toEqual({ left: 0, held: half - 20, claimed: 20 });
      await waitFor(() => logged('coupon codes: the pool is empty').length >= 2, 'each instance’s empty-pool error');
    }, 120_000);
  });
});
