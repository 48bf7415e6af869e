// The Store contract, continued: what an experiment's arms did within the attribution window
// (conversions, orders, revenue per currency with the per-visitor sum of squares), conversions
// found after the fact (DataFast payments), and the reconciliation's claimed, leased visitor looks.
import { describe, expect, it } from 'vitest';
import type { OrderReport } from '../../../server/store/store';
import { testClock, type StoreTarget } from './store-contract';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const order = (orderId: string, visitorId: string, value: number | null, currency: string | null = value === null ? null : 'EUR'): OrderReport => ({ orderId, visitorId, value, currency, source: 'backend' });

export function describeAttribution(target: StoreTarget): void {
  describe(`Store contract (${target.name}): experiment metrics within the attribution window`, () => {
    it('counts a conversion only when it fell within the window after the visitor’s exposure', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.recordExposure('exp', 'a', 'early');
      await store.recordExposure('exp', 'a', 'late');
      await store.recordExposure('exp', 'b', 'quick');
      await store.recordExposure('exp', 'b', 'never');
      clock.advance(HOUR);
      await store.recordConversions('quick');
      clock.advance(2 * DAY);
      await store.recordConversions('early');
      clock.advance(6 * DAY);
      await store.recordConversions('late'); // 8 days after exposure
      const week = Object.fromEntries(await store.experimentMetrics('exp', WEEK));
      expect(week).toEqual({
        a: { exposures: 2, conversions: 1, orders: 0, revenue: {} },
        b: { exposures: 2, conversions: 1, orders: 0, revenue: {} },
      });
      expect((await store.experimentMetrics('exp', 9 * DAY)).get('a')?.conversions).toBe(2);
      expect((await store.experimentMetrics('exp', HOUR - 1)).get('b')?.conversions).toBe(0);
      // The raw counts know no window.
      expect((await store.experimentCounts('exp')).get('a')).toEqual({ exposures: 2, conversions: 2 });
      expect(await store.experimentMetrics('nope', WEEK)).toEqual(new Map());
      await store.close();
    });

    it('sums revenue per visitor and currency within the window: Σ revenue, Σ (revenue per visitor)², orders and buyers', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      for (const v of ['ann', 'bob', 'cid', 'dee']) await store.recordExposure('exp', 'treat', v);
      await store.recordExposure('exp', 'ctrl', 'eve');
      await store.recordExposure('exp', 'ctrl', 'fay');
      clock.advance(DAY);
      await store.recordOrder(order('o1', 'ann', 30));
      await store.recordOrder(order('o2', 'ann', 20));
      await store.recordOrder(order('o3', 'bob', 10));
      await store.recordOrder(order('o4', 'cid', 100, 'USD'));
      await store.recordOrder(order('o5', 'cid', null));
      await store.recordOrder(order('o6', 'eve', 40));
      clock.advance(7 * DAY);
      await store.recordOrder(order('o7', 'bob', 1000)); // outside the window
      await store.recordOrder(order('o8', 'fay', 5)); // outside the window
      const m = Object.fromEntries(await store.experimentMetrics('exp', WEEK));
      expect(m.treat).toEqual({
        exposures: 4,
        conversions: 3,
        orders: 5,
        revenue: {
          EUR: { orders: 3, buyers: 2, revenue: 60, revenueSquares: 50 * 50 + 10 * 10 },
          USD: { orders: 1, buyers: 1, revenue: 100, revenueSquares: 100 * 100 },
        },
      });
      expect(m.ctrl).toEqual({ exposures: 2, conversions: 1, orders: 1, revenue: { EUR: { orders: 1, buyers: 1, revenue: 40, revenueSquares: 1600 } } });
      const longer = Object.fromEntries(await store.experimentMetrics('exp', 30 * DAY));
      expect(longer.treat?.revenue.EUR).toEqual({ orders: 4, buyers: 2, revenue: 1060, revenueSquares: 50 * 50 + 1010 * 1010 });
      await store.close();
    });

    it('an order belongs to the arms the visitor was in when it was reported: a later exposure does not get it', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.recordExposure('first', 'a', 'ann');
      clock.advance(HOUR);
      await store.recordOrder({ ...order('o1', 'ann', 25), source: 'page' });
      clock.advance(HOUR);
      await store.recordExposure('second', 'b', 'ann');
      clock.advance(HOUR);
      // The backend's report supersedes the page's and keeps its arms.
      await store.recordOrder(order('o1', 'ann', 25));
      expect((await store.experimentMetrics('first', WEEK)).get('a')).toEqual({ exposures: 1, conversions: 1, orders: 1, revenue: { EUR: { orders: 1, buyers: 1, revenue: 25, revenueSquares: 625 } } });
      expect((await store.experimentMetrics('second', WEEK)).get('b')).toEqual({ exposures: 1, conversions: 0, orders: 0, revenue: {} });
      await store.close();
    });
  });

  describe(`Store contract (${target.name}): conversions found after the fact`, () => {
    it('counts each time in the experiments exposed at or before it, oldest first, once', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      const t0 = clock.t;
      await store.recordExposure('one', 'a', 'ann');
      clock.advance(2 * HOUR);
      await store.recordExposure('two', 'b', 'ann');
      clock.advance(2 * HOUR);
      expect(await store.recordConversionsAt('ann', [t0 + 3 * HOUR, t0 + HOUR, t0 - HOUR])).toEqual(['one', 'two']);
      expect(await store.recordConversionsAt('ann', [t0 + 3 * HOUR])).toEqual([]);
      // The conversion is at the payment's time: within an hour of exposure for `one`.
      expect((await store.experimentMetrics('one', HOUR)).get('a')?.conversions).toBe(1);
      expect((await store.experimentMetrics('two', HOUR)).get('b')?.conversions).toBe(1);
      expect(await store.recordConversionsAt('bob', [clock.t])).toEqual([]);
      await store.close();
    });
  });

  describe(`Store contract (${target.name}): the reconciliation's visitor looks`, () => {
    const windows = [{ experimentId: 'exp', lookBackMs: 8 * DAY }];
    const claim = (owner: string, limit = 10) => ({ windows, firstCheckAfterMs: HOUR, owner, limit, leaseMs: 60_000 });

    it('claims exposed, unconverted visitors from their first look on, soonest first, with their exposures; a lease keeps others off', async () => {
      const clock = testClock();
      const o = await target.open(clock.now);
      const { store } = o;
      const t0 = clock.t;
      await store.recordExposure('exp', 'a', 'ann');
      await store.recordExposure('other', 'x', 'ann');
      clock.advance(10 * 60_000);
      await store.recordExposure('exp', 'b', 'bob');
      await store.recordExposure('exp', 'a', 'cid');
      await store.recordExposure('elsewhere', 'a', 'dee');
      await store.recordConversions('cid');
      expect(await store.claimVisitorChecks(claim('one'))).toEqual([]); // nobody's first look is due
      clock.advance(HOUR);
      const first = await store.claimVisitorChecks(claim('one'));
      expect(first).toEqual([
        { visitorId: 'ann', checks: 0, exposures: { exp: t0 } },
        { visitorId: 'bob', checks: 0, exposures: { exp: t0 + 10 * 60_000 } },
      ]);
      expect(await store.claimVisitorChecks(claim('two'))).toEqual([]);
      expect(await store.settleVisitorCheck('ann', 'two', clock.t)).toBe(false);
      expect(await store.settleVisitorCheck('ann', 'one', clock.t + 2 * HOUR)).toBe(true);
      // bob is done for good ("never"): not claimed again, unlike a visitor never looked at.
      expect(await store.settleVisitorCheck('bob', 'one', null)).toBe(true);
      expect(await store.claimVisitorChecks(claim('two'))).toEqual([]);
      await store.recordExposure('exp', 'b', 'eve');
      clock.advance(HOUR);
      expect(await store.claimVisitorChecks(claim('two'))).toEqual([{ visitorId: 'eve', checks: 0, exposures: { exp: clock.t - HOUR } }]);
      clock.advance(HOUR);
      // ann is due again; two's lease on eve has expired (two died): eve is due since its claim.
      expect((await store.claimVisitorChecks(claim('three'))).map((c) => [c.visitorId, c.checks])).toEqual([['eve', 0], ['ann', 1]]);
      expect(await store.settleVisitorCheck('eve', 'two', clock.t)).toBe(false);
      clock.advance(60_000);
      const reopened = await o.reopen();
      expect((await reopened.claimVisitorChecks(claim('four'))).map((c) => c.visitorId)).toEqual(['eve', 'ann']);
      await reopened.close();
    });

    it('stops at conversions and at the look-back; takes at most `limit`; prune removes untouched rows', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      for (let i = 0; i < 5; i++) {
        await store.recordExposure('exp', 'a', `v${i}`);
        clock.advance(1000);
      }
      clock.advance(HOUR);
      expect((await store.claimVisitorChecks(claim('one', 2))).map((c) => c.visitorId)).toEqual(['v0', 'v1']);
      await store.recordConversionsAt('v2', [clock.t]);
      expect((await store.claimVisitorChecks(claim('one'))).map((c) => c.visitorId)).toEqual(['v3', 'v4']);
      clock.advance(8 * DAY);
      expect(await store.claimVisitorChecks(claim('two'))).toEqual([]);
      expect(await store.claimVisitorChecks({ ...claim('two'), windows: [{ experimentId: 'exp', lookBackMs: 9 * DAY }] })).toHaveLength(4);
      expect(await store.claimVisitorChecks({ ...claim('two'), windows: [] })).toEqual([]);
      expect((await store.prune(clock.t)).visitorChecks).toBe(0);
      clock.advance(1);
      expect((await store.prune(clock.t)).visitorChecks).toBe(4);
      await store.close();
    });
  });
}
