// The Store contract, continued: orders (idempotent by id, the backend's namespace, pages speak
// for their own visitor, the backend wins), then single-use coupon codes (store-contract-coupons.ts).
import { describe, expect, it } from 'vitest';
import type { OrderReport, Store } from '../../../server/store/store';
import { testClock, type StoreTarget } from './store-contract';
import { describeCouponCodes } from './store-contract-coupons';

const A = '0b7e2a4c-1d2f-4a3b-8c4d-5e6f7a8b9c0d';
const B = '1c8f3b5d-2e3a-4b4c-9d5e-6f7a8b9c0d1e';

const order = (orderId: string, visitorId: string, source: 'page' | 'backend' = 'backend', value: number | null = 49, currency: string | null = 'EUR'): OrderReport => ({ orderId, visitorId, value, currency, source });
const counts = async (store: Store, experiment: string) => Object.fromEntries(await store.experimentCounts(experiment));

export function describeOrdersAndCoupons(target: StoreTarget): void {
  describe(`Store contract (${target.name}): orders are idempotent by order id`, () => {
    it('the first report is new, stored with its time; a repeat for the same visitor is a duplicate and changes nothing', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      const first = await store.recordOrder(order('o-1', A));
      expect(first).toEqual({ status: 'new', counted: [], order: { orderId: 'o-1', visitorId: A, value: 49, currency: 'EUR', source: 'backend', at: clock.t, experiments: {} } });
      clock.advance(5_000);
      const again = await store.recordOrder(order('o-1', A, 'page', 99, 'USD'));
      expect(again).toEqual({ status: 'duplicate', order: first.status === 'new' ? first.order : null });
      expect(await store.orderCount()).toBe(1);
      expect((await store.order('o-1'))?.value).toBe(49);
      await store.close();
    });

    it('the backend’s report of an id the backend recorded for another visitor is a conflict and stores nothing', async () => {
      const { store } = await target.open(testClock().now);
      await store.recordOrder(order('o-1', A));
      expect(await store.recordOrder(order('o-1', B))).toEqual({ status: 'conflict' });
      expect((await store.order('o-1'))?.visitorId).toBe(A);
      expect(await store.order('o-1', B)).toBeUndefined();
      expect(await store.orderCount()).toBe(1);
      await store.close();
    });

    it('a page speaks for its own visitor only: keyed by visitor and order id, never a conflict', async () => {
      const o = await target.open(testClock().now);
      const { store } = o;
      await store.recordOrder(order('o-1', A));
      expect(await store.recordOrder(order('o-1', B, 'page', 5, 'EUR'))).toMatchObject({ status: 'new', order: { visitorId: B, source: 'page', value: 5 } });
      expect((await store.recordOrder(order('o-1', B, 'page'))).status).toBe('duplicate');
      expect((await store.recordOrder(order('o-9', A, 'page'))).status).toBe('new');
      expect((await store.recordOrder(order('o-9', B, 'page'))).status).toBe('new');
      expect(await store.order('o-1')).toMatchObject({ visitorId: A, source: 'backend' });
      expect(await store.order('o-1', B)).toMatchObject({ visitorId: B, source: 'page' });
      expect(await store.order('o-9')).toBeUndefined();
      expect(await store.order('o-9', A)).toMatchObject({ visitorId: A, source: 'page' });
      expect(await store.orderCount()).toBe(4);
      const reopened = await o.reopen();
      expect(await reopened.orderCount()).toBe(4);
      expect((await reopened.recordOrder(order('o-9', B, 'page'))).status).toBe('duplicate');
      await reopened.close();
    });

    it('pages claiming an id first never block the backend: it records the id for its visitor', async () => {
      const { store } = await target.open(testClock().now);
      expect((await store.recordOrder(order('o-7', B, 'page'))).status).toBe('new');
      expect((await store.recordOrder(order('o-7', A, 'backend'))).status).toBe('new');
      expect(await store.order('o-7')).toMatchObject({ visitorId: A, source: 'backend' });
      expect((await store.recordOrder(order('o-7', B, 'backend'))).status).toBe('conflict');
      expect((await store.recordOrder(order('o-7', A, 'page'))).status).toBe('duplicate');
      expect(await store.order('o-7', B)).toMatchObject({ source: 'page' });
      await store.close();
    });

    it('reports of one order arriving at once: one is new, the others duplicates', async () => {
      const { store } = await target.open(testClock().now);
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => store.recordOrder(order('o-2', A))));
      expect(outcomes.filter((o) => o.status === 'new')).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'duplicate')).toHaveLength(7);
      const contested = await Promise.all([A, B, A, B].map((v) => store.recordOrder(order('o-3', v))));
      expect(contested.filter((o) => o.status === 'new')).toHaveLength(1);
      expect(await store.orderCount()).toBe(2);
      await store.close();
    });

    it('an order whose write fails is not stored, counts nothing, and can be reported again', async () => {
      const o = await target.open(testClock().now);
      await o.store.recordExposure('hero', 'coupon', A);
      const unjam = await o.jam();
      await expect(o.store.recordOrder(order('o-1', A))).rejects.toThrow();
      await unjam();
      expect(await o.store.order('o-1')).toBeUndefined();
      expect(await counts(o.store, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 0 } });
      expect(await o.store.recordOrder(order('o-1', A))).toMatchObject({ status: 'new', counted: ['hero'] });
      await o.store.close();
    });
  });

  describe(`Store contract (${target.name}): the backend’s report wins, and orders count as conversions`, () => {
    it('it supersedes the page’s report: stored with the backend’s value, counted once, and after reopen', async () => {
      const clock = testClock();
      const o = await target.open(clock.now);
      const { store } = o;
      await store.recordExposure('hero', 'coupon', A);
      expect(await store.recordOrder(order('o-1', A, 'page', 1, 'USD'))).toMatchObject({ status: 'new', counted: ['hero'] });
      clock.advance(60_000);
      expect(await store.recordOrder(order('o-1', A, 'backend', 49, 'EUR'))).toEqual({
        status: 'new',
        counted: [],
        order: { orderId: 'o-1', visitorId: A, value: 49, currency: 'EUR', source: 'backend', at: clock.t, experiments: { hero: 'coupon' } },
      });
      expect(await store.order('o-1', A)).toMatchObject({ value: 49, currency: 'EUR', source: 'backend' });
      expect(await store.orderCount()).toBe(1);
      expect(await counts(store, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 } });
      expect(await store.recordOrder(order('o-1', A, 'page', 2, 'USD'))).toMatchObject({ status: 'duplicate', order: { value: 49, source: 'backend' } });
      const reopened = await o.reopen();
      expect(await reopened.order('o-1', A)).toMatchObject({ value: 49, source: 'backend' });
      expect(await reopened.orderCount()).toBe(1);
      await reopened.close();
    });

    it('superseding keeps the page’s arms: an exposure between purchase and a late webhook is not the order’s', async () => {
      const { store } = await target.open(testClock().now);
      await store.recordExposure('hero', 'coupon', A);
      await store.recordOrder(order('o-1', A, 'page'));
      await store.recordExposure('pricing', 'control', A);
      expect(await store.recordOrder(order('o-1', A, 'backend'))).toMatchObject({ status: 'new', counted: [], order: { experiments: { hero: 'coupon' } } });
      expect(await counts(store, 'pricing')).toEqual({ control: { exposures: 1, conversions: 0 } });
      await store.close();
    });

    it('counts once per visitor and experiment, for the exposed variant; never for an exposure after the order', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.recordExposure('hero', 'coupon', A);
      clock.advance(1);
      await store.recordExposure('pricing', 'control', A);
      await store.recordExposure('hero', 'control', B);
      expect(await store.recordOrder(order('o-1', A))).toMatchObject({ status: 'new', counted: ['hero', 'pricing'], order: { experiments: { hero: 'coupon', pricing: 'control' } } });
      expect(await store.recordOrder(order('o-2', A))).toMatchObject({ status: 'new', counted: [] });
      expect(await counts(store, 'hero')).toEqual({ coupon: { exposures: 1, conversions: 1 }, control: { exposures: 1, conversions: 0 } });
      expect(await store.recordOrder(order('o-3', 'c-visitor'))).toMatchObject({ counted: [], order: { experiments: {} } });
      await store.recordExposure('hero', 'coupon', 'c-visitor');
      expect(await counts(store, 'hero')).toEqual({ coupon: { exposures: 2, conversions: 1 }, control: { exposures: 1, conversions: 0 } });
      await store.close();
    });
  });

  describeCouponCodes(target);
}
