// A disk error while POST /events or POST /conversions writes to the store: always a 503 with
// nothing claimed — no 202/201, no goal sent to DataFast, nothing counted — and the same report
// sent again afterwards is recorded as new, since nothing of it was kept.
import { mkdtempSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { Experiment } from '../../../server/experiments/types';
import { internalsOf } from '../../../server/router-internals';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { visitorIn } from '../../support/visitor-ids';

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
const EXPOSURE = { type: 'exposure', offerId: 'welcome-coupon', experiment: HERO.id, variant: 'coupon' };
const UNAVAILABLE = { error: 'events cannot be recorded right now; please try again' };

const suite = useRouteSuite('store-failures', { sim: { generateUnknown: true }, secrets: [TOKEN] });

afterEach(() => {
  vi.restoreAllMocks();
});

async function mount(): Promise<MountedRouter> {
  return suite.track(
    await mountRouter({
      datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
      decisions: { experiments: [HERO], rules: [{ id: 'ab', when: {}, then: { experiment: HERO.id } }] },
      dataDir: mkdtempSync(join(suite.baseDir, 'r-')),
      conversionsToken: TOKEN,
      logger: suite.log.logger,
    }),
  );
}

/** Makes the next fdatasync of any file fail, as a disk error would. */
async function failNextSync(): Promise<void> {
  const handle = await open(join(suite.baseDir, 'probe'), 'w');
  await handle.close();
  const proto = Object.getPrototypeOf(handle) as FileHandle;
  vi.spyOn(proto, 'datasync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
}

const event = (m: MountedRouter, body: object) =>
  request(m.server).post('/visitor-offers/events').set('Origin', m.origin).set('Cookie', `datafast_visitor_id=${VISITOR}`).send(body);
const backend = (m: MountedRouter, body: object) => request(m.server).post('/visitor-offers/conversions').set('Authorization', `Bearer ${TOKEN}`).send(body);
const counts = async (m: MountedRouter) => Object.fromEntries((await internalsOf(m.router).store.ready).experimentCounts(HERO.id));
const goals = async (m: MountedRouter): Promise<string[]> => {
  await internalsOf(m.router).outbox.drain(15_000);
  return suite.sim.goals.map((g) => g.name);
};

describe('POST /events', () => {
  it('an exposure that cannot be stored → 503, nothing sent or counted; sent again, it is recorded as new', async () => {
    const m = await mount();
    await failNextSync();
    const res = await event(m, EXPOSURE);
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
    await failNextSync();
    const res = await event(m, { type: 'conversion' });
    expect([res.status, res.body]).toEqual([503, UNAVAILABLE]);
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 0 } });
    expect(await goals(m)).toEqual(['offer_exposure']);
    expect((await event(m, { type: 'conversion' })).body).toEqual({ ok: true, forwarded: true });
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 1 } });
  });

  it('an order that cannot be stored → 503, nothing stored or sent; sent again, it is new, not a duplicate', async () => {
    const m = await mount();
    await failNextSync();
    const res = await event(m, { type: 'conversion', orderId: 'o-1', value: 49, currency: 'EUR' });
    expect([res.status, res.body]).toEqual([503, UNAVAILABLE]);
    expect((await internalsOf(m.router).store.ready).orderCount()).toBe(0);
    expect(await goals(m)).toEqual([]);
    expect((await event(m, { type: 'conversion', orderId: 'o-1', value: 49, currency: 'EUR' })).body).toEqual({ ok: true, forwarded: true });
  });
});

describe('POST /conversions', () => {
  it('an order that cannot be stored → 503, nothing stored or sent; sent again, 201', async () => {
    const m = await mount();
    await failNextSync();
    const res = await backend(m, { visitorId: VISITOR, orderId: 'o-1' });
    expect([res.status, res.body]).toEqual([503, { error: 'the conversion could not be stored; please try again' }]);
    expect((await internalsOf(m.router).store.ready).orderCount()).toBe(0);
    expect(await goals(m)).toEqual([]);
    expect((await backend(m, { visitorId: VISITOR, orderId: 'o-1' })).status).toBe(201);
  });
});
