// The Store contract, continued: the local score's training data. A visitor's signals are kept
// once (the first read), survive a reopen, come back with whether the visitor converted after them
// (a counted experiment conversion or an order; not one before), and are pruned with the retention.
import { describe, expect, it } from 'vitest';
import type { BehaviourSignals } from '../../../server/scoring/signals';
import { testClock, type StoreTarget } from './store-contract';

const SIGNALS: BehaviourSignals = { sessions: 3, pageViews: 9, lastSeenAt: 1_699_999_000_000, avgSessionSeconds: 240, visitedPricing: true, visitedCheckout: false, referrerClass: 'email', device: 'mobile' };

export function describeScoreSignals(target: StoreTarget): void {
  describe(`Store contract (${target.name}): score signals`, () => {
    it('keeps a visitor’s first signals, and reads each back with whether they converted afterwards', async () => {
      const clock = testClock();
      const o = await target.open(clock.now);
      let store = o.store;
      const t0 = clock.t;
      expect(await store.recordScoreSignals('buyer', SIGNALS)).toBe(true);
      expect(await store.recordScoreSignals('buyer', { ...SIGNALS, sessions: 99 })).toBe(false);
      clock.advance(1_000);
      expect(await store.recordScoreSignals('lead', { ...SIGNALS, lastSeenAt: null, avgSessionSeconds: null, device: 'desktop' })).toBe(true);
      clock.advance(1_000);
      expect(await store.recordScoreSignals('browser', { ...SIGNALS, referrerClass: 'direct' })).toBe(true);
      expect(await store.recordScoreSignals('early-buyer', SIGNALS, t0 + 5_000)).toBe(true);
      // An order after the signals: converted. An experiment conversion after them: converted.
      await store.recordOrder({ orderId: 'o1', visitorId: 'buyer', value: 10, currency: 'EUR', source: 'backend' });
      await store.recordExposure('exp', 'a', 'lead');
      expect(await store.recordConversion('exp', 'lead')).toBe(true);
      // An order before the signals were read does not count for them.
      await store.recordOrder({ orderId: 'o0', visitorId: 'early-buyer', value: 10, currency: 'EUR', source: 'backend' });

      store = await o.reopen();
      expect(await store.scoreSamples()).toEqual([
        { signals: SIGNALS, at: t0, converted: true },
        { signals: { ...SIGNALS, lastSeenAt: null, avgSessionSeconds: null, device: 'desktop' }, at: t0 + 1_000, converted: true },
        { signals: { ...SIGNALS, referrerClass: 'direct' }, at: t0 + 2_000, converted: false },
        { signals: SIGNALS, at: t0 + 5_000, converted: false },
      ]);
      await store.close();
    });

    it('prunes signals older than the retention', async () => {
      const clock = testClock();
      const { store } = await target.open(clock.now);
      await store.recordScoreSignals('old', SIGNALS);
      clock.advance(86_400_000);
      await store.recordScoreSignals('new', SIGNALS);
      expect((await store.prune(clock.t)).scoreSignals).toBe(1);
      expect((await store.scoreSamples()).map((s) => s.at)).toEqual([clock.t]);
      await store.close();
    });
  });
}
