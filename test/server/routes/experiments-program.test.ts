// The program-level experiment bookkeeping through the real router over real sockets: the global
// holdout (no offer for its visitors, recorded at decision time with everyone else, read against
// them in GET /experiments with their orders' revenue) and DataFast payments found by the
// reconciliation counting as conversions.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { ExperimentsResponse } from '../../../server/contract';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { assign } from '../../../server/experiments/assign';
import { inHoldout } from '../../../server/experiments/holdout';
import type { Experiment } from '../../../server/experiments/types';
import { internalsOf } from '../../../server/router-internals';
import { signedToken } from '../../support/decision-tokens';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { visitorIds } from '../../support/visitor-ids';
import { sleep } from '../../support/wait';

const TOKEN = 'admin-token-0123456789abcdefghijkl';
const HERO: Experiment = { id: 'hero', coverage: 1, status: 'running', variants: [{ id: 'control', weight: 1, offer: null }, { id: 'coupon', weight: 1, offer: 'welcome-coupon' }] };

// Any valid UUID is a visitor DataFast knows here.
const suite = useRouteSuite('experiments-program', { sim: { generateUnknown: true }, secrets: [TOKEN], closeTimeoutMs: 2000 });

async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 1000 },
    dataDir: mkdtempSync(join(suite.baseDir, 'data-')),
    adminToken: TOKEN,
    limits: { eventsPerMinutePerIp: 1_000_000, conversionsPerMinute: 1_000_000 },
    logger: suite.log.logger,
    ...options,
  });
  suite.track(m);
  return m;
}

const results = async (m: MountedRouter): Promise<ExperimentsResponse> => {
  const res = await request(m.server).get('/visitor-offers/experiments').set('Authorization', `Bearer ${TOKEN}`);
  expect(res.status).toBe(200);
  return res.body as ExperimentsResponse;
};
const offer = (m: MountedRouter, visitor: string) => request(m.server).get('/visitor-offers/offer').query({ path: '/' }).set('Cookie', `datafast_visitor_id=${visitor}`);
const order = (m: MountedRouter, visitorId: string, orderId: string, value: number) =>
  request(m.server).post('/visitor-offers/conversions').set('Authorization', `Bearer ${TOKEN}`).send({ visitorId, orderId, value, currency: 'EUR' });

describe('the global holdout through the router', () => {
  it('holds its visitors out of every offer, records both groups once at decision time, and reads their orders against each other', async () => {
    const m = await mount({ holdout: 0.2, rules: [{ id: 'everyone', when: {}, then: { offer: 'welcome-coupon' } }] });
    const visitors = visitorIds(150, 'program-holdout');
    const held = visitors.filter((v) => inHoldout(v, 0.2));
    expect(held.length).toBeGreaterThan(15);
    for (const v of visitors) {
      const body = (await offer(m, v)).body as { offer: { id: string } | null; reason: string };
      if (held.includes(v)) expect(body).toMatchObject({ offer: null, experiment: null, reason: 'holdout' });
      else expect(body).toMatchObject({ offer: { id: 'welcome-coupon' }, reason: 'rule:everyone' });
    }
    for (const v of visitors.slice(0, 30)) await offer(m, v); // again: counted once
    // A visitor DataFast does not know is nobody's.
    suite.sim.addVisitor({ visitorId: visitorIds(1, 'program-unknown')[0]!, label: 'x', description: 'x', status: 404, data: null });
    expect((await offer(m, visitorIds(1, 'program-unknown')[0]!)).body.reason).toBe('unknown-visitor');

    // Every 4th held-out visitor and every 2nd other one buys for 40 €.
    const buyers = [...held.filter((_, i) => i % 4 === 0), ...visitors.filter((v) => !held.includes(v)).filter((_, i) => i % 2 === 0)];
    for (const [i, v] of buyers.entries()) expect((await order(m, v, `o-${i}`, 40)).status).toBe(201);

    const { holdout, experiments } = await results(m);
    expect(experiments).toEqual([]);
    expect(holdout?.share).toBe(0.2);
    const [h, o] = holdout?.result.variants ?? [];
    const heldBuyers = held.filter((_, i) => i % 4 === 0).length;
    const otherBuyers = buyers.length - heldBuyers;
    expect(h).toMatchObject({ id: 'holdout', isControl: true, exposures: held.length, conversions: heldBuyers, orders: heldBuyers, revenue: 40 * heldBuyers });
    expect(o).toMatchObject({ id: 'offers', exposures: visitors.length - held.length, conversions: otherBuyers, revenue: 40 * otherBuyers });
    expect(holdout?.result.currency).toBe('EUR');
    const expected = (otherBuyers / (visitors.length - held.length) - heldBuyers / held.length) * (visitors.length - held.length);
    expect(holdout?.incremental?.conversions).toBeCloseTo(expected, 9);
    expect(holdout?.incremental?.revenue).toBeCloseTo(40 * expected, 9);
  });

  it('without a holdout nothing is recorded and GET /experiments says null', async () => {
    const m = await mount({ rules: [{ id: 'everyone', when: {}, then: { offer: 'welcome-coupon' } }] });
    for (const v of visitorIds(20, 'program-none')) expect((await offer(m, v)).body.reason).toBe('rule:everyone');
    expect((await results(m)).holdout).toBeNull();
    expect((await (await internalsOf(m.router).store.ready).experimentCounts('_holdout')).size).toBe(0);
  });
});

describe('DataFast payments counted through the router', () => {
  it('a payment after the visitor’s exposure converts them at the look; one from before does not', async () => {
    const m = await mount({
      experiments: [HERO],
      rules: [{ id: 'ab', when: {}, then: { experiment: HERO.id } }],
      reconcile: { callsPerMinute: 600, firstCheckMinutes: 0 },
    });
    const payer = (visitorId: string, at: number) => ({
      visitorId,
      label: 'payer',
      description: 'has paid',
      status: 200 as const,
      data: { visitorId, identity: {}, activity: { visitCount: 1, pageViewCount: 2, completedGoals: [{ name: 'payment', timestamp: new Date(at).toISOString(), origin: 'payment_provider' }] }, prediction: null },
    });
    const [after, before] = visitorIds(2, 'program-payment');
    suite.sim.addVisitor(payer(before!, Date.now() - 60_000));
    for (const v of [after!, before!]) {
      const a = assign(HERO, v)!;
      const res = await request(m.server).post('/visitor-offers/events').set('Origin', m.origin).set('Cookie', `datafast_visitor_id=${v}`).send({ type: 'exposure', offerId: a.offerId, token: await signedToken(m.router, { visitorId: v, offerId: a.offerId, experiment: { id: HERO.id, variant: a.variantId } }) });
      expect(res.status).toBe(202);
    }
    await sleep(5);
    // DataFast's payment provider records the payment after the exposure.
    suite.sim.addVisitor(payer(after!, Date.now()));
    const reconciler = internalsOf(m.router).reconciler;
    await reconciler.runOnce();
    expect(reconciler.stats()).toMatchObject({ looks: 2, conversions: 1 });
    const hero = (await results(m)).experiments[0];
    const conversions = Object.fromEntries(hero?.variants.map((v) => [v.id, v.conversions]) ?? []);
    expect(conversions[assign(HERO, after!)!.variantId]).toBeGreaterThanOrEqual(1);
    expect(hero?.variants.reduce((n, v) => n + v.conversions, 0)).toBe(1);
  });
});
