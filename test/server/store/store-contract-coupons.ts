// The Store contract, continued: single-use coupon codes. A code is held for a visitor when their
// offer is decided (the same code every time they ask), claimed for good by their first exposure,
// and back in the pool for someone else when a hold lapses unclaimed; never one code for two
// visitors, never two codes for one; pools that change keep what visitors have.
import { describe, expect, it } from 'vitest';
import { testClock, type StoreTarget } from './store-contract';

const MINUTE = 60_000;
const HOLD = 60 * MINUTE;

export function describeCouponCodes(target: StoreTarget): void {
  describe(`Store contract (${target.name}): single-use coupon codes are held, then claimed`, () => {
    const pool = Array.from({ length: 150 }, (_, i) => `CODE-${String(i).padStart(3, '0')}`);

    it('200 concurrent visitors and a pool of 150: 150 distinct held codes, 50 nulls, each visitor keeping theirs, also after reopen', async () => {
      const o = await target.open(testClock().now);
      let store = o.store;
      await store.loadCouponPool('welcome', pool);
      expect(await store.couponCodesLeft('welcome')).toBe(150);
      const visitors = Array.from({ length: 200 }, (_, i) => `visitor-${i}`);
      const codes = await Promise.all(visitors.map((v) => store.holdCouponCode('welcome', v, HOLD)));
      const held = codes.filter((c): c is string => c !== null);
      expect(held).toHaveLength(150);
      expect(new Set(held)).toEqual(new Set(pool));
      expect(await store.couponStock('welcome')).toEqual({ left: 0, held: 150, claimed: 0 });
      expect(await store.couponCodesUsed('welcome')).toBe(150);
      store = await o.reopen();
      for (const [i, v] of visitors.entries()) expect(await store.holdCouponCode('welcome', v, HOLD)).toBe(codes[i]);
      expect(await store.holdCouponCode('welcome', 'late-visitor', HOLD)).toBeNull();
      // New codes added to the pool file go to the next visitors; the held ones stay held.
      await store.loadCouponPool('welcome', [...pool, 'NEW-1', 'NEW-2']);
      expect(await store.couponCodesLeft('welcome')).toBe(2);
      expect(await store.holdCouponCode('welcome', 'late-visitor', HOLD)).toBe('NEW-1');
      await store.close();
    });

    it('a visitor asking twice, at once or later, holds one code; codes go out in pool order', async () => {
      const { store } = await target.open(testClock().now);
      await store.loadCouponPool('welcome', pool);
      const both = await Promise.all([store.holdCouponCode('welcome', 'v1', HOLD), store.holdCouponCode('welcome', 'v1', HOLD)]);
      expect(both[0]).toBe(both[1]);
      expect(await store.holdCouponCode('welcome', 'v1', HOLD)).toBe(both[0]);
      expect(await store.couponCode('welcome', 'v1')).toBe(both[0]);
      expect(await store.couponCodesUsed('welcome')).toBe(1);
      const next = await store.holdCouponCode('welcome', 'v2', HOLD);
      expect([both[0], next].sort()).toEqual(['CODE-000', 'CODE-001']);
      await store.close();
    });

    it('the first exposure claims the held code for good: claimed codes never lapse or go back to the pool', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.loadCouponPool('welcome', ['A', 'B']);
      expect(await store.holdCouponCode('welcome', 'v1', HOLD)).toBe('A');
      expect(await store.claimHeldCouponCode('welcome', 'v1')).toBe('A');
      // A second exposure claims nothing new.
      expect(await store.claimHeldCouponCode('welcome', 'v1')).toBe('A');
      expect(await store.couponStock('welcome')).toEqual({ left: 1, held: 0, claimed: 1 });
      clock.advance(10 * HOLD);
      expect(await store.couponStock('welcome')).toEqual({ left: 1, held: 0, claimed: 1 });
      expect(await store.holdCouponCode('welcome', 'v2', HOLD)).toBe('B');
      expect(await store.holdCouponCode('welcome', 'v3', HOLD)).toBeNull();
      // The claimant keeps theirs, and asking again holds nothing more.
      expect(await store.holdCouponCode('welcome', 'v1', HOLD)).toBe('A');
      expect(await store.couponStock('welcome')).toEqual({ left: 0, held: 1, claimed: 1 });
      await store.close();
    });

    it('a claim without a hold claims nothing', async () => {
      const { store } = await target.open(testClock().now);
      await store.loadCouponPool('welcome', ['A']);
      expect(await store.claimHeldCouponCode('welcome', 'never-held')).toBeNull();
      expect(await store.claimHeldCouponCode('no-pool', 'v1')).toBeNull();
      expect(await store.couponStock('welcome')).toEqual({ left: 1, held: 0, claimed: 0 });
      await store.close();
    });

    it('a lapsed hold puts its code back: counted as left, taken over only when no code is free, and lost to its visitor then', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.loadCouponPool('welcome', ['A', 'B']);
      expect(await store.holdCouponCode('welcome', 'v1', HOLD)).toBe('A');
      clock.advance(HOLD - 1);
      expect(await store.couponStock('welcome')).toEqual({ left: 1, held: 1, claimed: 0 });
      clock.advance(1);
      expect(await store.couponStock('welcome')).toEqual({ left: 2, held: 0, claimed: 0 });
      expect(await store.couponCodesLeft('welcome')).toBe(2);
      // A free code goes first: the lapsed one may still be claimed by its visitor.
      expect(await store.holdCouponCode('welcome', 'v2', HOLD)).toBe('B');
      expect(await store.holdCouponCode('welcome', 'v3', HOLD)).toBe('A');
      expect(await store.couponCode('welcome', 'v1')).toBeUndefined();
      // v1's exposure comes too late: nothing to claim, and v3's code stays v3's.
      expect(await store.claimHeldCouponCode('welcome', 'v1')).toBeNull();
      expect(await store.claimHeldCouponCode('welcome', 'v3')).toBe('A');
      expect(await store.holdCouponCode('welcome', 'v1', HOLD)).toBeNull();
      expect(await store.couponStock('welcome')).toEqual({ left: 0, held: 1, claimed: 1 });
      await store.close();
    });

    it('a lapsed hold nobody took is still its visitor’s: asking again renews it, a late exposure claims it', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.loadCouponPool('welcome', ['A', 'B']);
      expect(await store.holdCouponCode('welcome', 'v1', HOLD)).toBe('A');
      expect(await store.holdCouponCode('welcome', 'v2', HOLD)).toBe('B');
      clock.advance(2 * HOLD);
      expect(await store.holdCouponCode('welcome', 'v1', HOLD)).toBe('A');
      expect(await store.couponStock('welcome')).toEqual({ left: 1, held: 1, claimed: 0 });
      expect(await store.claimHeldCouponCode('welcome', 'v2')).toBe('B');
      expect(await store.couponStock('welcome')).toEqual({ left: 0, held: 1, claimed: 1 });
      await store.close();
    });

    it('each ask renews the hold: it lapses a hold time after the last one, not the first', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.loadCouponPool('welcome', ['A']);
      expect(await store.holdCouponCode('welcome', 'v1', HOLD)).toBe('A');
      clock.advance(HOLD - MINUTE);
      expect(await store.holdCouponCode('welcome', 'v1', HOLD)).toBe('A');
      clock.advance(2 * MINUTE);
      expect(await store.holdCouponCode('welcome', 'v2', HOLD)).toBeNull();
      expect(await store.couponStock('welcome')).toEqual({ left: 0, held: 1, claimed: 0 });
      await store.close();
    });

    it('counts left codes up to a cap, cheaply: free ones and lapsed holds', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.loadCouponPool('welcome', pool);
      for (let i = 0; i < 10; i += 1) await store.holdCouponCode('welcome', `v${i}`, HOLD);
      expect(await store.couponCodesLeft('welcome')).toBe(140);
      expect(await store.couponCodesLeft('welcome', 100)).toBe(100);
      expect(await store.couponCodesLeft('welcome', 141)).toBe(140);
      await store.loadCouponPool('welcome', pool.slice(0, 12));
      expect(await store.couponCodesLeft('welcome', 5)).toBe(2);
      clock.advance(HOLD);
      expect(await store.couponCodesLeft('welcome', 5)).toBe(5);
      expect(await store.couponCodesLeft('welcome')).toBe(12);
      expect(await store.couponCodesLeft('no-pool')).toBe(0);
      await store.close();
    });

    it('pools are per offer, a code listed twice goes out once, and an offer without a pool has nothing', async () => {
      const { store } = await target.open(testClock().now);
      await store.loadCouponPool('a', ['X', 'X', 'Y']);
      await store.loadCouponPool('b', ['X']);
      expect(await store.holdCouponCode('a', 'v1', HOLD)).toBe('X');
      expect(await store.holdCouponCode('a', 'v2', HOLD)).toBe('Y');
      expect(await store.holdCouponCode('a', 'v3', HOLD)).toBeNull();
      expect(await store.holdCouponCode('b', 'v1', HOLD)).toBe('X');
      expect(await store.holdCouponCode('c', 'v1', HOLD)).toBeNull();
      expect(await store.couponCode('c', 'v1')).toBeUndefined();
      await store.close();
    });

    it('codes taken out of the pool file are no longer handed out, lapsed or not; a visitor keeps a code from an older file', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.loadCouponPool('welcome', ['A', 'B', 'C']);
      expect(await store.holdCouponCode('welcome', 'v1', HOLD)).toBe('A');
      expect(await store.holdCouponCode('welcome', 'v0', HOLD)).toBe('B');
      await store.claimHeldCouponCode('welcome', 'v1');
      await store.loadCouponPool('welcome', ['C', 'D']);
      clock.advance(HOLD); // v0's hold on B lapses, but B is no longer in the file
      expect(await store.couponCodesLeft('welcome')).toBe(2);
      expect(await store.holdCouponCode('welcome', 'v2', HOLD)).toBe('C');
      expect(await store.holdCouponCode('welcome', 'v3', HOLD)).toBe('D');
      expect(await store.holdCouponCode('welcome', 'v4', HOLD)).toBeNull();
      expect(await store.holdCouponCode('welcome', 'v1', HOLD)).toBe('A');
      expect(await store.couponCodesUsed('welcome')).toBe(3);
      await store.close();
    });

    it('a hold or a claim whose write fails hands out nothing; the code goes to the next visitor, the hold stays', async () => {
      const o = await target.open(testClock().now);
      await o.store.loadCouponPool('welcome', pool);
      expect(await o.store.holdCouponCode('welcome', 'v1', HOLD)).toBe('CODE-000');
      const unjam = await o.jam();
      await expect(o.store.holdCouponCode('welcome', 'v2', HOLD)).rejects.toThrow();
      await expect(o.store.claimHeldCouponCode('welcome', 'v1')).rejects.toThrow();
      await unjam();
      expect(await o.store.couponCode('welcome', 'v2')).toBeUndefined();
      expect(await o.store.couponStock('welcome')).toEqual({ left: 149, held: 1, claimed: 0 });
      expect(await o.store.holdCouponCode('welcome', 'v3', HOLD)).toBe('CODE-001');
      expect(await o.store.claimHeldCouponCode('welcome', 'v1')).toBe('CODE-000');
      await o.store.close();
    });
  });
}
