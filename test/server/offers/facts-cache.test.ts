import { describe, expect, it } from 'vitest';
import { OfferFactsCache } from '../../../server/offers/facts-cache.js';

const V = '3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c';

function rig() {
  let t = 1_000_000;
  const cache = new OfferFactsCache(100, () => t);
  return { cache, advance: (ms: number) => (t += ms) };
}

describe('OfferFactsCache', () => {
  it('keeps settled facts (an exposure recorded) for as long as the LRU keeps them', () => {
    const { cache, advance } = rig();
    cache.remember('timed', V, { firstExposureAt: 5, code: null }, false);
    advance(24 * 3600_000);
    expect(cache.peek('timed', V)).toEqual({ firstExposureAt: 5, code: null });
  });

  it('keeps facts that can still change (no exposure yet) for one second only', () => {
    const { cache, advance } = rig();
    cache.remember('timed', V, { firstExposureAt: null, code: null }, false);
    advance(999);
    expect(cache.peek('timed', V)).toEqual({ firstExposureAt: null, code: null });
    advance(2);
    expect(cache.peek('timed', V)).toBeUndefined();
  });

  it('never keeps a pooled coupon without a claimed code: its hold is the store’s to renew', () => {
    const { cache } = rig();
    cache.remember('pool', V, { firstExposureAt: 5, code: null }, true);
    expect(cache.peek('pool', V)).toBeUndefined();
  });

  it('settles a pooled coupon once its code is claimed and it was seen', () => {
    const { cache, advance } = rig();
    cache.remember('pool', V, { firstExposureAt: 5, code: 'A-1' }, true);
    advance(3600_000);
    expect(cache.peek('pool', V)).toEqual({ firstExposureAt: 5, code: 'A-1' });
  });

  it('forgets one visitor’s offer at once, and no other', () => {
    const { cache } = rig();
    cache.remember('timed', V, { firstExposureAt: null, code: null }, false);
    cache.remember('other', V, { firstExposureAt: 7, code: null }, false);
    cache.forget('timed', V);
    expect(cache.peek('timed', V)).toBeUndefined();
    expect(cache.peek('other', V)).toEqual({ firstExposureAt: 7, code: null });
  });
});
