// A store that refuses a write while POST /events or POST /conversions writes to it: always a 503
// with nothing claimed — no 202/201, no goal sent to DataFast, nothing counted — and the same
// report sent again afterwards is recorded as new, since nothing of it was kept. The failure is a
// real one of the database: the table the write goes to is moved away by another connection.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { Experiment } from '../../../server/experiments/types';
import { internalsOf } from '../../../server/router-internals';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { takeTableAway } from '../../support/store-faults';
import { visitorIn } from '../../support/visitor-ids';
import { signedToken } from '../../support/decision-tokens';

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
const VISITOR = visitorIn(HERO, 'coupon', 'store-failures');
const EXPOSURE = { type: 'exposure', offerId: 'welcome-coupon' };
const UNAVAILABLE = { error: 'events cannot be recorded right now; please try again' };

const suite = useRouteSuite('store-failures', { sim: { generateUnknown: true }, secrets: [TOKEN] });

async function mount(): Promise<MountedRouter & { dataDir: string }> {
  const dataDir = mkdtempSync(join(suite.baseDir, 'r-'));
  const m = suite.track(
    await mountRouter({
      datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
      decisions: { experiments: [HERO], rules: [{ id: 'ab', when: {}, then: { experiment: HERO.id } }] },
      dataDir,
      conversionsToken: TOKEN,
      logger: suite.log.logger,
    }),
  );
  await internalsOf(m.router).store.ready;
  return { ...m, dataDir };
}

/** The visitor's event, an exposure with the token the router signs for their arm (as their GET /offer's). */
const event = async (m: MountedRouter, body: { type: string; [field: string]: unknown }) =>
  request(m.server)
    .post('/visitor-offers/events')
    .set('Origin', m.origin)
    .set('Cookie', `datafast_visitor_id=${VISITOR}`)
    .send(body.type === 'exposure' ? { ...body, token: await signedToken(m.router, { visitorId: VISITOR, offerId: 'welcome-coupon', experiment: { id: HERO.id, variant: 'coupon' } }) } : body);
const backend = (m: MountedRouter, body: object) => request(m.server).post('/visitor-offers/conversions').set('Authorization', `Bearer ${TOKEN}`).send(body);
const counts = async (m: MountedRouter) => Object.fromEntries((await (await internalsOf(m.router).store.ready).experimentCounts(HERO.id)));
const goals = async (m: MountedRouter): Promise<string[]> => {
  await internalsOf(m.router).outbox.drain(15_000);
  return suite.sim.goals.map((g) => g.name);
};

describe('POST /events', () => {
  it('an exposure that cannot be stored → 503, nothing sent or counted; sent again, it is recorded as new', async () => {
    const m = await mount();
    const restore = takeTableAway(m.dataDir, 'vo_first_exposures');
    const res = await event(m, EXPOSURE);
    restore();
    expect([res.status, res.body]).toEqual([503, UNAVAILABLE]);
    expect(await counts(m)).toEqual({});
    expect(await goals(m)).toEqual([]);
    expect((await event(m, EXPOSURE)).body).toEqual({ ok: true, forwarded: true });
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 0 } });
    expect(await goals(m)).toEqual(['offer_exposure']);
  });

  it('a conversion without an order id that cannot be counted → 503, nothing sent; sent again, it counts', async () => {
    const m = await mount();
    expect((await event(m, EXPOSURE)).status).toBe(202);
    const restore = takeTableAway(m.dataDir, 'vo_conversions');
    const res = await event(m, { type: 'conversion' });
    restore();
    expect([res.status, res.body]).toEqual([503, UNAVAILABLE]);
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 0 } });
    expect(await goals(m)).toEqual(['offer_exposure']);
    expect((await event(m, { type: 'conversion' })).body).toEqual({ ok: true, forwarded: true });
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
  });

  it('an order that cannot be stored → 503, nothing stored or sent; sent again, it is new, not a duplicate', async () => {
    const m = await mount();
    const restore = takeTableAway(m.dataDir, 'vo_orders');
    const res = await event(m, { type: 'conversion', orderId: 'o-1', value: 49, currency: 'EUR' });
    restore();
    expect([res.status, res.body]).toEqual([503, UNAVAILABLE]);
    expect((await (await internalsOf(m.router).store.ready).orderCount())).toBe(0);
    expect(await goals(m)).toEqual([]);
    expect((await event(m, { type: 'conversion', orderId: 'o-1', value: 49, currency: 'EUR' })).body).toEqual({ ok: true, forwarded: true });
  });
});

describe('POST /conversions', () => {
  it('an order that cannot be stored → 503, nothing stored or sent; sent again, 201', async () => {
    const m = await mount();
    const restore = takeTableAway(m.dataDir, 'vo_orders');
    const res = await backend(m, { visitorId: VISITOR, orderId: 'o-1' });
    restore();
    expect([res.status, res.body]).toEqual([503, { error: 'the conversion could not be stored; please try again' }]);
    expect((await (await internalsOf(m.router).store.ready).orderCount())).toBe(0);
    expect(await goals(m)).toEqual([]);
    expect((await backend(m, { visitorId: VISITOR, orderId: 'o-1' })).status).toBe(201);
  });

  it('an order whose conversion cannot be counted is not stored either: one transaction, then 201 when sent again', async () => {
    const m = await mount();
    expect((await event(m, EXPOSURE)).status).toBe(202);
    const restore = takeTableAway(m.dataDir, 'vo_conversions');
    const res = await backend(m, { visitorId: VISITOR, orderId: 'o-2' });
    restore();
    expect(res.status).toBe(503);
    const store = await internalsOf(m.router).store.ready;
    expect(await store.orderCount()).toBe(0);
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 0 } });
    expect(await backend(m, { visitorId: VISITOR, orderId: 'o-2' })).toMatchObject({ status: 201, body: { counted: ['hero'] } });
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
  });
});
