// The Store contract, one suite for every backend: sqlite-store.test.ts and postgres-store.test.ts
// run it against a real SQLite file and a real Postgres. It speaks only through the Store
// interface; a backend supplies how to open a fresh store, reopen it, and jam its writes (another
// connection holding the write lock, so writes fail for real after the lock timeout).
import { describe, expect, it } from 'vitest';
import type { Store } from '../../../server/store/store';
import { describeAttribution } from './store-contract-attribution';
import { describeEnrolments } from './store-contract-enrolments';
import { describeExposures } from './store-contract-exposures';
import { describeLeadPages } from './store-contract-lead-pages';
import { describeOrdersAndCoupons } from './store-contract-orders';
import { describeOutbox } from './store-contract-outbox';
import { describeScoreSignals } from './store-contract-score-signals';

export interface OpenedStore {
  store: Store;
  /** Closes `store` and opens the same database again. */
  reopen(): Promise<Store>;
  /** Makes writes fail (another connection holds the write lock); resolves with the undo. */
  jam(): Promise<() => Promise<void>>;
}

export interface StoreTarget {
  name: string;
  /** A fresh, empty store whose clock is `now`. */
  open(now: () => number): Promise<OpenedStore>;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A test's clock, starting at a fixed time. */
export function testClock(): { now: () => number; advance(ms: number): void; readonly t: number } {
  let t = 1_700_000_000_000;
  return {
    now: () => t,
    advance: (ms) => void (t += ms),
    get t() {
      return t;
    },
  };
}

export function describeStoreContract(target: StoreTarget): void {
  describe(`Store contract (${target.name}): leads`, () => {
    it('adds durable leads with random ids, pending for every target until delivered, also after reopen', async () => {
      const clock = testClock();
      const o = await target.open(clock.now);
      let store = o.store;
      const first = await store.addLead({ email: 'a@example.com', offerId: 'guide', visitorId: 'v1' });
      clock.advance(1_000);
      const second = await store.addLead({ email: 'b@example.com', offerId: 'guide', visitorId: null });
      expect(first).toEqual({ id: expect.stringMatching(UUID), email: 'a@example.com', offerId: 'guide', visitorId: 'v1', at: 1_700_000_000_000, delivered: { datafast: false, webhook: false } });
      expect(second.id).not.toBe(first.id);
      expect(second.at).toBe(1_700_000_001_000);
      expect(await store.leadCount()).toBe(2);
      const ids = async (targets: Array<'datafast' | 'webhook'>) => (await store.pendingLeads(targets)).map((l) => l.id);
      expect(await ids(['datafast'])).toEqual([first.id, second.id]);

      await store.markDelivered(first.id, 'datafast');
      expect(await ids(['datafast'])).toEqual([second.id]);
      expect(await ids(['webhook'])).toEqual([first.id, second.id]);
      expect(await ids(['datafast', 'webhook'])).toEqual([first.id, second.id]);
      expect(await ids([])).toEqual([]);
      expect(await store.pendingLeadCount(['datafast'])).toBe(1);
      expect(await store.pendingLeadCount(['datafast', 'webhook'])).toBe(2);
      expect((await store.lead(first.id))?.delivered).toEqual({ datafast: true, webhook: false });

      store = await o.reopen();
      expect(await store.leadCount()).toBe(2);
      expect(await store.lead(first.id)).toEqual({ ...first, delivered: { datafast: true, webhook: false } });
      expect(await ids(['datafast'])).toEqual([second.id]);
      await store.markDelivered(second.id, 'datafast');
      await store.markDelivered(second.id, 'webhook');
      await store.markDelivered(first.id, 'webhook');
      store = await o.reopen();
      expect(await store.pendingLeads(['datafast', 'webhook'])).toEqual([]);
      expect((await store.lead(second.id))?.delivered).toEqual({ datafast: true, webhook: true });
      await store.close();
    });

    it('keeps the queue oldest first, whatever order leads are delivered in, and pages through it by seq', async () => {
      const o = await target.open(testClock().now);
      const { store } = o;
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await store.addLead({ email: `${i}@example.com`, offerId: 'o', visitorId: null })).id);
      await store.markDelivered(ids[3]!, 'webhook');
      await store.markDelivered(ids[1]!, 'webhook');
      expect((await store.pendingLeads(['webhook'])).map((l) => l.id)).toEqual([ids[0], ids[2], ids[4]]);
      const page1 = await store.pendingLeads(['webhook', 'datafast'], { limit: 2 });
      expect(page1.map((l) => l.id)).toEqual([ids[0], ids[1]]);
      const page2 = await store.pendingLeads(['webhook', 'datafast'], { afterSeq: page1.at(-1)?.seq, limit: 2 });
      expect(page2.map((l) => l.id)).toEqual([ids[2], ids[3]]);
      await store.close();
    });

    it('groups concurrent leads: 50 at once are all stored, each once, with distinct ids', async () => {
      const o = await target.open(testClock().now);
      const leads = await Promise.all(Array.from({ length: 50 }, (_, i) => o.store.addLead({ email: `c${i}@example.com`, offerId: 'o', visitorId: null })));
      expect(new Set(leads.map((l) => l.id)).size).toBe(50);
      expect(await o.store.leadCount()).toBe(50);
      expect((await o.store.pendingLeads(['datafast'], { limit: 100 })).map((l) => l.email)).toEqual(leads.map((l) => l.email));
      await o.store.close();
    });

    it('markDelivered is idempotent, also twice at once, and rejects unknown leads', async () => {
      const { store } = await target.open(testClock().now);
      const lead = await store.addLead({ email: 'a@example.com', offerId: 'o', visitorId: null });
      await Promise.all([store.markDelivered(lead.id, 'datafast'), store.markDelivered(lead.id, 'datafast')]);
      await store.markDelivered(lead.id, 'datafast');
      expect((await store.lead(lead.id))?.delivered.datafast).toBe(true);
      await expect(store.markDelivered('no-such-lead', 'datafast')).rejects.toThrow('unknown lead no-such-lead');
      await store.close();
    });

    it('hands out copies: changing a returned lead does not change the store', async () => {
      const { store } = await target.open(testClock().now);
      const lead = await store.addLead({ email: 'a@example.com', offerId: 'o', visitorId: null });
      lead.delivered.datafast = true;
      lead.email = 'changed';
      expect(await store.lead(lead.id)).toMatchObject({ email: 'a@example.com', delivered: { datafast: false } });
      await store.close();
    });

    it('deletes every lead of an email, whatever its case, and nothing else', async () => {
      const { store } = await target.open(testClock().now);
      await store.addLead({ email: 'Ann@example.com', offerId: 'o', visitorId: null });
      await store.addLead({ email: 'ann@example.com', offerId: 'p', visitorId: 'v1' });
      const kept = await store.addLead({ email: 'bob@example.com', offerId: 'o', visitorId: null });
      expect(await store.deleteLeadsByEmail('ANN@example.com')).toBe(2);
      expect(await store.leadCount()).toBe(1);
      expect((await store.pendingLeads(['webhook'])).map((l) => l.id)).toEqual([kept.id]);
      expect(await store.deleteLeadsByEmail('nobody@example.com')).toBe(0);
      await store.close();
    });

    it('a lead whose write fails is not stored, the call rejects, the failure is counted; then writes work again', async () => {
      const o = await target.open(testClock().now);
      const kept = await o.store.addLead({ email: 'a@example.com', offerId: 'o', visitorId: null });
      expect(o.store.writeStats()).toEqual({ failures: 0, lastFailureCode: null });
      const unjam = await o.jam();
      await expect(o.store.addLead({ email: 'lost@example.com', offerId: 'o', visitorId: null })).rejects.toThrow();
      await expect(o.store.markDelivered(kept.id, 'datafast')).rejects.toThrow();
      await expect(o.store.probe()).rejects.toThrow();
      await unjam();
      expect(o.store.writeStats()).toMatchObject({ failures: 2, lastFailureCode: expect.any(String) });
      expect(await o.store.leadCount()).toBe(1);
      expect((await o.store.lead(kept.id))?.delivered.datafast).toBe(false);
      const store = await o.reopen();
      expect((await store.pendingLeads(['datafast'])).map((l) => l.email)).toEqual(['a@example.com']);
      await store.addLead({ email: 'again@example.com', offerId: 'o', visitorId: null });
      await store.probe();
      await store.close();
    });
  });

  describe(`Store contract (${target.name}): first exposures`, () => {
    it('records the first exposure once and keeps it stable across calls and reopen', async () => {
      const clock = testClock();
      const o = await target.open(clock.now);
      let store = o.store;
      expect(await store.firstExposure('coupon', 'v1')).toBeUndefined();
      expect(await store.recordFirstExposure('coupon', 'v1')).toEqual({ at: clock.t, first: true });
      const first = clock.t;
      clock.advance(60_000);
      expect(await store.recordFirstExposure('coupon', 'v1')).toEqual({ at: first, first: false });
      expect(await store.recordFirstExposure('coupon', 'v1', 5)).toEqual({ at: first, first: false });
      expect(await store.recordFirstExposure('other-offer', 'v1', 5)).toEqual({ at: 5, first: true });
      store = await o.reopen();
      expect(await store.firstExposure('coupon', 'v1')).toBe(first);
      expect(await store.firstExposure('other-offer', 'v1')).toBe(5);
      expect(await store.firstExposure('coupon', 'v2')).toBeUndefined();
      await store.close();
    });

    it('concurrent calls for one visitor store one exposure and agree on it', async () => {
      const { store } = await target.open(testClock().now);
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => store.recordFirstExposure('coupon', 'v1', 100 + i)));
      expect(answers.filter((a) => a.first)).toHaveLength(1);
      expect(new Set(answers.map((a) => a.at)).size).toBe(1);
      await store.close();
    });

    it('offerFacts reads the first exposure and the claimed code together (a code only held is not in it)', async () => {
      const { store } = await target.open(testClock().now);
      expect(await store.offerFacts('pooled', 'v1')).toEqual({ firstExposureAt: null, code: null });
      await store.recordFirstExposure('pooled', 'v1', 42);
      expect(await store.offerFacts('pooled', 'v1')).toEqual({ firstExposureAt: 42, code: null });
      await store.loadCouponPool('pooled', ['A1', 'A2']);
      expect(await store.holdCouponCode('pooled', 'v1', 60_000)).toBe('A1');
      expect(await store.offerFacts('pooled', 'v1')).toEqual({ firstExposureAt: 42, code: null });
      expect(await store.claimHeldCouponCode('pooled', 'v1')).toBe('A1');
      expect(await store.offerFacts('pooled', 'v1')).toEqual({ firstExposureAt: 42, code: 'A1' });
      expect(await store.offerFacts('pooled', 'v2')).toEqual({ firstExposureAt: null, code: null });
      await store.close();
    });
  });

  describe(`Store contract (${target.name}): experiments`, () => {
    it('counts one exposure per visitor and experiment, the first variant wins, as an aggregate that survives reopen', async () => {
      const o = await target.open(testClock().now);
      let store = o.store;
      expect(await store.recordExposure('exp', 'control', 'v1')).toBe(true);
      expect(await store.recordExposure('exp', 'control', 'v1')).toBe(false);
      expect(await store.recordExposure('exp', 'b', 'v1')).toBe(false);
      expect(await store.recordExposure('exp', 'b', 'v2')).toBe(true);
      expect(await store.recordExposure('exp', 'b', 'v3')).toBe(true);
      expect(await store.recordExposure('exp2', 'x', 'v1')).toBe(true);
      expect(await store.exposureOf('exp', 'v1')).toBe('control');
      expect(await store.exposureOf('exp', 'v4')).toBeUndefined();
      const expected = new Map([
        ['control', { exposures: 1, conversions: 0 }],
        ['b', { exposures: 2, conversions: 0 }],
      ]);
      expect(await store.experimentCounts('exp')).toEqual(expected);
      expect(await store.experimentCounts('nope')).toEqual(new Map());
      store = await o.reopen();
      expect(await store.experimentCounts('exp')).toEqual(expected);
      expect(await store.recordExposure('exp', 'b', 'v1')).toBe(false);
      await store.close();
    });

    it('concurrent exposures of one visitor count once', async () => {
      const { store } = await target.open(testClock().now);
      const answers = await Promise.all(Array.from({ length: 10 }, () => store.recordExposure('exp', 'b', 'v1')));
      expect(answers.filter(Boolean)).toHaveLength(1);
      expect((await store.experimentCounts('exp')).get('b')).toEqual({ exposures: 1, conversions: 0 });
      await store.close();
    });

    it('counts conversions only for exposed visitors, once each, for their exposed variant', async () => {
      const o = await target.open(testClock().now);
      let store = o.store;
      expect(await store.recordConversion('exp', 'v1')).toBe(false);
      await store.recordExposure('exp', 'control', 'v1');
      await store.recordExposure('exp', 'b', 'v2');
      expect(await store.recordConversion('exp', 'stranger')).toBe(false);
      expect(await store.recordConversion('exp', 'v2')).toBe(true);
      expect(await store.recordConversion('exp', 'v2')).toBe(false);
      const concurrent = await Promise.all([store.recordConversion('exp', 'v1'), store.recordConversion('exp', 'v1')]);
      expect(concurrent.filter(Boolean)).toHaveLength(1);
      store = await o.reopen();
      expect(await store.experimentCounts('exp')).toEqual(
        new Map([
          ['control', { exposures: 1, conversions: 1 }],
          ['b', { exposures: 1, conversions: 1 }],
        ]),
      );
      expect(await store.recordConversion('exp', 'v1')).toBe(false);
      await store.close();
    });

    it('recordConversions converts every experiment the visitor was exposed to, once', async () => {
      const { store } = await target.open(testClock().now);
      await store.recordExposure('hero', 'coupon', 'v1');
      await store.recordExposure('pricing', 'control', 'v1');
      await store.recordExposure('hero', 'control', 'v2');
      expect(await store.recordConversions('v1')).toEqual(['hero', 'pricing']);
      expect(await store.recordConversions('v1')).toEqual([]);
      expect(await store.recordConversions('never-exposed')).toEqual([]);
      expect(Object.fromEntries(await store.experimentCounts('hero'))).toEqual({ coupon: { exposures: 1, conversions: 1 }, control: { exposures: 1, conversions: 0 } });
      await store.close();
    });

    it('an exposure whose write fails is not stored, and a conversion after it does not count', async () => {
      const o = await target.open(testClock().now);
      const unjam = await o.jam();
      await expect(o.store.recordExposure('exp', 'b', 'v1')).rejects.toThrow();
      await unjam();
      expect(await o.store.recordConversion('exp', 'v1')).toBe(false);
      expect(await o.store.exposureOf('exp', 'v1')).toBeUndefined();
      expect(await o.store.experimentCounts('exp')).toEqual(new Map());
      expect(await o.store.recordExposure('exp', 'b', 'v1')).toBe(true);
      await o.store.close();
    });
  });

  describe(`Store contract (${target.name}): settings, retention, closing`, () => {
    it('settingOrInit stores one value however many ask at once; setSetting replaces it', async () => {
      const o = await target.open(testClock().now);
      let made = 0;
      const values = await Promise.all(Array.from({ length: 6 }, () => o.store.settingOrInit('secret', () => `value-${++made}`)));
      expect(new Set(values).size).toBe(1);
      expect(await o.store.getSetting('secret')).toBe(values[0]);
      await o.store.setSetting('secret', 'rotated');
      const store = await o.reopen();
      expect(await store.getSetting('secret')).toBe('rotated');
      expect(await store.settingOrInit('secret', () => 'ignored')).toBe('rotated');
      expect(await store.getSetting('absent')).toBeUndefined();
      await store.close();
    });

    it('prune deletes exposures, conversions, first exposures and orders older than the cutoff; keeps leads and claimed codes (finished outbox rows: the outbox part)', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.recordExposure('exp', 'a', 'old');
      await store.recordConversion('exp', 'old');
      await store.recordFirstExposure('offer', 'old');
      await store.recordOrder({ orderId: 'o-old', visitorId: 'old', value: 1, currency: 'EUR', source: 'backend' });
      await store.addLead({ email: 'old@example.com', offerId: 'guide', visitorId: 'old' });
      await store.loadCouponPool('pooled', ['C1', 'C2']);
      await store.holdCouponCode('pooled', 'old', 60_000);
      await store.claimHeldCouponCode('pooled', 'old');
      clock.advance(10 * 86_400_000);
      const cutoff = clock.t;
      await store.recordExposure('exp', 'a', 'new');
      await store.recordFirstExposure('offer', 'new');
      await store.recordOrder({ orderId: 'o-new', visitorId: 'new', value: 2, currency: 'EUR', source: 'page' });
      expect(await store.prune(cutoff)).toEqual({ exposures: 1, conversions: 1, firstExposures: 1, orders: 1, outbox: 0, visitorChecks: 0, enrolments: 0, scoreSignals: 0 });
      // The new visitor's order converted them: only the old visitor's rows are gone.
      expect(Object.fromEntries(await store.experimentCounts('exp'))).toEqual({ a: { exposures: 1, conversions: 1 } });
      expect(await store.firstExposure('offer', 'old')).toBeUndefined();
      expect(await store.firstExposure('offer', 'new')).toBe(cutoff);
      expect(await store.order('o-old')).toBeUndefined();
      expect(await store.orderCount()).toBe(1);
      expect(await store.leadCount()).toBe(1);
      expect(await store.couponCode('pooled', 'old')).toBe('C1');
      expect(await store.prune(cutoff)).toEqual({ exposures: 0, conversions: 0, firstExposures: 0, orders: 0, outbox: 0, visitorChecks: 0, enrolments: 0, scoreSignals: 0 });
      await store.close();
    });

    it('after close every call rejects; close twice is fine', async () => {
      const { store } = await target.open(testClock().now);
      const pending = store.addLead({ email: 'late@example.com', offerId: 'o', visitorId: null });
      await store.close();
      await expect(pending).resolves.toMatchObject({ email: 'late@example.com' });
      await expect(store.addLead({ email: 'a@example.com', offerId: 'o', visitorId: null })).rejects.toThrow('the store is closed');
      await expect(store.leadCount()).rejects.toThrow('the store is closed');
      await store.close();
    });
  });

  describeOrdersAndCoupons(target);
  describeLeadPages(target);
  describeOutbox(target);
  describeExposures(target);
  describeAttribution(target);
  describeEnrolments(target);
  describeScoreSignals(target);
}
