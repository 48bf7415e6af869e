// The Store contract, widget exposures (run by store-contract.ts on every backend): an exposure,
// the claim of the visitor's held code and its goal for DataFast are one transaction. A failure at
// any point stores none of them, so the retry of the same exposure is new again and queues the
// goal; a stored exposure always has its goal; a duplicate queues nothing.
import { describe, expect, it } from 'vitest';
import type { KeyedGoal, Store } from '../../../server/store/store';
import { testClock, type StoreTarget } from './store-contract';

const LEASE = 30_000;
const exposureGoal = (key: string, offer: string): KeyedGoal => ({ key, goal: { visitorId: 'v1', name: 'offer_exposure', metadata: { offer } } });
const queuedKeys = async (store: Store): Promise<string[]> => (await store.claimOutbox('datafast', { owner: 'w', limit: 10, leaseMs: LEASE })).map((e) => e.key);

export function describeExposures(target: StoreTarget): void {
  describe(`Store contract (${target.name}): an exposure and its goal`, () => {
    it('records a first exposure with its goal; a repeat is a duplicate and queues nothing', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      expect(await store.recordOfferExposure({ offerId: 'guide', visitorId: 'v1', claimCode: false }, exposureGoal('x:guide', 'guide'))).toEqual({ duplicate: false, code: null, queued: true });
      expect(await store.firstExposure('guide', 'v1')).toBe(clock.t);
      expect(await store.recordOfferExposure({ offerId: 'guide', visitorId: 'v1', claimCode: false }, exposureGoal('x:guide:again', 'guide'))).toEqual({ duplicate: true, code: null, queued: false });
      // In an experiment the experiment's exposure counts (also for an arm that showed no offer).
      const inExp = { offerId: null, visitorId: 'v1', experiment: { id: 'hero', variantId: 'control' }, claimCode: false };
      expect(await store.recordOfferExposure(inExp, exposureGoal('x:hero', 'none'))).toMatchObject({ duplicate: false, queued: true });
      expect(await store.recordOfferExposure({ ...inExp, experiment: { id: 'hero', variantId: 'other' } }, exposureGoal('x:hero:2', 'none'))).toMatchObject({ duplicate: true, queued: false });
      expect(await store.exposureOf('hero', 'v1')).toBe('control');
      expect(await queuedKeys(store)).toEqual(['x:guide', 'x:hero']);
      await store.close();
    });

    it('claims the held code in the same transaction', async () => {
      const { store } = await target.open(testClock().now);
      await store.loadCouponPool('pooled', ['A1', 'A2']);
      expect(await store.holdCouponCode('pooled', 'v1', 60_000)).toBe('A1');
      expect(await store.recordOfferExposure({ offerId: 'pooled', visitorId: 'v1', claimCode: true }, exposureGoal('x:pooled', 'pooled'))).toEqual({ duplicate: false, code: 'A1', queued: true });
      expect(await store.offerFacts('pooled', 'v1')).toMatchObject({ code: 'A1' });
      // Nobody held a code for v2: nothing to claim, the exposure still counts.
      expect(await store.recordOfferExposure({ offerId: 'pooled', visitorId: 'v2', claimCode: true })).toEqual({ duplicate: false, code: null, queued: false });
      await store.close();
    });

    it('a write that fails stores neither the exposure nor its goal; the retry of the same exposure queues the goal', async () => {
      const o = await target.open(testClock().now);
      await o.store.loadCouponPool('pooled', ['A1']);
      await o.store.holdCouponCode('pooled', 'v1', 60_000);
      const exposure = { offerId: 'pooled', visitorId: 'v1', claimCode: true } as const;
      const unjam = await o.jam();
      await expect(o.store.recordOfferExposure(exposure, exposureGoal('x:pooled', 'pooled'))).rejects.toThrow();
      await unjam();
      expect(await o.store.firstExposure('pooled', 'v1')).toBeUndefined();
      expect(await o.store.offerFacts('pooled', 'v1')).toEqual({ firstExposureAt: null, code: null });
      expect(await o.store.recordOfferExposure(exposure, exposureGoal('x:pooled', 'pooled'))).toEqual({ duplicate: false, code: 'A1', queued: true });
      expect(await queuedKeys(o.store)).toEqual(['x:pooled']);
      await o.store.close();
    });

    it('a goal write that fails after the exposure rows were written rolls them back (the process dying there loses nothing either)', async () => {
      const { store } = await target.open(testClock().now);
      // A goal whose payload cannot be serialised: its insert throws inside the transaction, after
      // the first exposure and the experiment's exposure were written.
      const unwritable = { key: 'x:hero', goal: { visitorId: 'v1', name: 'offer_exposure', metadata: { offer: 1n as unknown as string } } };
      const exposure = { offerId: 'guide', visitorId: 'v1', experiment: { id: 'hero', variantId: 'guide' }, claimCode: false };
      await expect(store.recordOfferExposure(exposure, unwritable)).rejects.toThrow();
      expect(await store.firstExposure('guide', 'v1')).toBeUndefined();
      expect(await store.exposureOf('hero', 'v1')).toBeUndefined();
      expect(await store.recordOfferExposure(exposure, exposureGoal('x:hero', 'guide'))).toMatchObject({ duplicate: false, queued: true });
      expect(await queuedKeys(store)).toEqual(['x:hero']);
      await store.close();
    });
  });
}
