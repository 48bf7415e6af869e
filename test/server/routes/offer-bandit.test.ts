// A Thompson bandit through the real router over real sockets, with the simulated DataFast (and
// again with the simulated PostMetric: the same tests) and a
// real SQLite store, on a fake clock (Date only): new visitors are placed by the weights its
// results give, at least 1 % per arm; a visitor enrolled keeps their arm when the weights change
// and after a restart (the enrolment is in the store); the decision token names the bandit's arm,
// and the exposure /events records is that arm, not what the visitor's hash would say; GET
// /experiments reports the bandit as one (weights, chance to be best, no tests).
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExperimentsResponse, OfferResponse } from '../../../server/contract';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { verifyDecision } from '../../../server/decision-token/token';
import { assign } from '../../../server/experiments/assign';
import type { Experiment } from '../../../server/experiments/types';
import { internalsOf } from '../../../server/router-internals';
import { offerFor as offerWithCookie } from '../../support/decision-tokens';
import { takeTableAway } from '../../support/store-faults';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite, type SuiteProvider } from '../../support/route-suite';
import { visitorIds } from '../../support/visitor-ids';

const TOKEN = 'admin-token-0123456789abcdefghijkl';
const T0 = 1_700_000_000_000;
const MIN = 60_000;
const BANDIT: Experiment = {
  id: 'three-offers',
  coverage: 1,
  status: 'running',
  allocation: 'thompson',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
    { id: 'guide', weight: 1, offer: 'starter-guide' },
  ],
};
/** The same arms with fixed weights: where each visitor's hash alone would put them. */
const HASHED: Experiment = { id: BANDIT.id, coverage: 1, status: 'running', variants: BANDIT.variants };

afterEach(() => void vi.useRealTimers());

describe.each(['datafast', 'postmetric'] as SuiteProvider[])('against the simulated %s', (provider) => {
  // Any valid UUID is a visitor either simulator knows here (a UUID is a PostMetric id too).
  // PostMetric's own limit and its router's default budget (100 a minute) are lifted: the test asks
  // about more new visitors at once than the budget's burst, and is about the bandit.
  const suite = useRouteSuite(`offer-bandit-${provider}`, { provider, sim: { generateUnknown: true }, pm: { generateUnknown: true, rateLimitPerMinute: 1_000_000 }, secrets: [TOKEN], closeTimeoutMs: 2000 });
  const cookie = provider === 'postmetric' ? 'postmetric_visitor_id' : 'datafast_visitor_id';
  const offerFor = (server: MountedRouter['server'], visitorId: string): Promise<OfferResponse> => offerWithCookie(server, visitorId, '/', cookie);

  async function mount(dataDir: string, options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
    const m = await mountRouter({
      // No fault here: a lookup's deadline only has to outlast a loaded machine (1 s did not, once in CI).
      ...suite.analytics({ timeoutMs: 10_000 }),
      ...(provider === 'postmetric' ? { upstream: { callsPerMinute: null } } : {}),
      dataDir,
      adminToken: TOKEN,
      limits: { eventsPerMinutePerIp: 1_000_000, conversionsPerMinute: 1_000_000 },
      logger: suite.log.logger,
      experiments: [BANDIT],
      rules: [{ id: 'everyone', when: {}, then: { experiment: BANDIT.id } }],
      ...options,
    });
    suite.track(m);
    return m;
  }

  /** Each visitor's arm as GET /offer answers it, checking the answer names the arm's offer and carries a token for it. */
  async function arms(m: MountedRouter, visitors: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const keys = await internalsOf(m.router).keys.load();
    for (const v of visitors) {
      const body: OfferResponse = await offerFor(m.server, v);
      expect(body.reason).toBe('rule:everyone');
      const variant = body.experiment?.variant ?? '';
      expect(body.offer?.id ?? null).toBe(BANDIT.variants.find((x) => x.id === variant)?.offer);
      const verdict = verifyDecision(keys, body.token, Date.now());
      expect(verdict.ok && verdict.decision.experiment).toEqual({ id: BANDIT.id, variant });
      out.set(v, variant);
    }
    return out;
  }

  const expose = async (m: MountedRouter, visitorId: string): Promise<void> => {
    const decided = await offerFor(m.server, visitorId);
    const res = await request(m.server)
      .post('/visitor-offers/events')
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Cookie', `${cookie}=${visitorId}`)
      .send({ type: 'exposure', offerId: decided.offer?.id ?? null, token: decided.token });
    expect(res.status).toBe(202);
  };

  const buy = async (m: MountedRouter, visitorId: string, orderId: string): Promise<void> => {
    const res = await request(m.server).post('/visitor-offers/conversions').set('Authorization', `Bearer ${TOKEN}`).send({ visitorId, orderId, value: 30, currency: 'EUR' });
    expect(res.status).toBe(201);
  };

  const results = async (m: MountedRouter): Promise<ExperimentsResponse> => {
    const res = await request(m.server).get('/visitor-offers/experiments').set('Authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    return res.body as ExperimentsResponse;
  };

  /** The router's bandit allocation once no reallocation is running (for its experiment as the offers define it). */
  const settled = (m: MountedRouter) => {
    const experiment = internalsOf(m.router).offers.current.policy.experiments.get(BANDIT.id);
    if (experiment === undefined) throw new Error('the bandit is not configured');
    return internalsOf(m.router).bandits.settled(experiment);
  };

  const count = (assigned: Map<string, string>, arm: string): number => [...assigned.values()].filter((a) => a === arm).length;

  describe('a Thompson bandit through the router', () => {
    it('moves new visitors to the best arm when its results show it, keeps the enrolled in their arm, and counts what the token says', async () => {
      vi.useFakeTimers({ toFake: ['Date'], now: T0 });
      const dataDir = mkdtempSync(join(suite.baseDir, 'data-'));
      let m = await mount(dataDir);

      // No results yet: the three arms share new visitors about equally.
      const first = visitorIds(60, 'bandit-first');
      const firstArms = await arms(m, first);
      for (const arm of ['control', 'coupon', 'guide']) expect(count(firstArms, arm)).toBeGreaterThanOrEqual(8);
      const store = await internalsOf(m.router).store.ready;
      for (const v of first) expect(await store.enrolmentOf(BANDIT.id, v)).toBe(firstArms.get(v));

      // Every visitor is exposed; everyone in `guide` buys, nobody else.
      for (const v of first) await expose(m, v);
      for (const [i, v] of first.entries()) if (firstArms.get(v) === 'guide') await buy(m, v, `order-${i}`);
      for (const v of first) expect(await store.exposureOf(BANDIT.id, v)).toBe(firstArms.get(v));

      // Within 15 minutes the weights stay as they were: new visitors still spread.
      vi.setSystemTime(T0 + 14 * MIN);
      await settled(m);
      const early = await arms(m, visitorIds(30, 'bandit-early'));
      expect(count(early, 'guide')).toBeLessThan(25);

      // 15 minutes on, the next decision starts a reallocation from the results.
      vi.setSystemTime(T0 + 16 * MIN);
      await offerFor(m.server, first[0] as string);
      const weights = (await settled(m)).weights;
      expect(weights[2]).toBeGreaterThan(0.95);
      expect(weights[0]).toBeCloseTo(0.01, 9); // the floor
      expect(weights[1]).toBeCloseTo(0.01, 9);

      // The enrolled keep their arm; new visitors go to `guide`, though their hash spreads them.
      expect(await arms(m, first)).toEqual(firstArms);
      const later = visitorIds(80, 'bandit-later');
      const laterArms = await arms(m, later);
      expect(count(laterArms, 'guide')).toBeGreaterThanOrEqual(72);
      const movedByBandit = later.filter((v) => assign(HASHED, v)?.variantId !== laterArms.get(v));
      expect(movedByBandit.length).toBeGreaterThan(20);
      // Their exposures count for the arm the bandit gave them (the token's), not their hash's.
      for (const v of movedByBandit.slice(0, 10)) {
        await expose(m, v);
        expect(await store.exposureOf(BANDIT.id, v)).toBe(laterArms.get(v));
      }

      // Reported as a bandit: its weights in force, each arm's chance to be best, no tests.
      const r = (await results(m)).experiments[0];
      expect(r).toMatchObject({ id: BANDIT.id, allocation: 'thompson', allocationMetric: 'conversion', sampleRatioMismatch: null });
      expect(r?.variants.map((v) => v.expectedShare)).toEqual(weights);
      expect(r?.variants.map((v) => v.vsControl)).toEqual([null, null, null]);
      expect(r?.variants[2]?.chanceToBeBest).toBeGreaterThan(0.99);
      expect(r?.variants[2]).toMatchObject({ exposures: count(firstArms, 'guide') + 10, conversions: count(firstArms, 'guide') });

      // After a restart (nothing remembered in memory) the store keeps everyone in their arm, and
      // the first new visitor already gets the weights the results give.
      await m.close(2000);
      m = await mount(dataDir);
      expect(await arms(m, first)).toEqual(firstArms);
      expect(await arms(m, later.slice(0, 20))).toEqual(new Map(later.slice(0, 20).map((v) => [v, laterArms.get(v) ?? ''])));
      const afterRestart = await arms(m, visitorIds(20, 'bandit-after-restart'));
      expect(count(afterRestart, 'guide')).toBeGreaterThanOrEqual(18);
    });

    it('answers no offer (store-unavailable) when it cannot enrol a new visitor, and enrols them at their next request once it can', async () => {
      const dataDir = mkdtempSync(join(suite.baseDir, 'data-'));
      const m = await mount(dataDir);
      const [v] = visitorIds(1, 'bandit-no-store');
      await internalsOf(m.router).store.ready;
      const restore = takeTableAway(dataDir, 'vo_enrolments');
      const body = await offerFor(m.server, v as string);
      restore();
      expect(body).toMatchObject({ offer: null, experiment: null, reason: 'store-unavailable' });
      expect(body.token).toBeUndefined();
      expect(suite.log.text()).toContain('bandit: could not enrol a visitor');
      const again = await arms(m, [v as string]);
      expect(await (await internalsOf(m.router).store.ready).enrolmentOf(BANDIT.id, v as string)).toBe(again.get(v as string));
    });
  });
});
