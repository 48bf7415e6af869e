// What the store said about one visitor's offer (first exposure, claimed code), kept by this
// instance so a returning visitor's countdown or expiring coupon is answered without a query.
//
// Facts only move one way: a first exposure, once recorded, never changes, nor does a claimed code.
// So final facts (an exposure recorded, and a code claimed where the offer needs one) are kept
// for as long as the LRU keeps them. Facts that can still change (no exposure yet) are kept for
// a second only: another instance may record the exposure meanwhile, and a countdown shown from
// a second-old "not seen yet" ends at most a second late (this instance's own exposures drop the
// entry at once: the events route calls forget()). A pooled coupon without a claimed code
// is never answered from here: its code is held (and the hold renewed) by the store each time.
import { LRUCache } from 'lru-cache';
import type { VisitorOfferFacts } from '../store/store.js';

const UNSETTLED_TTL_MS = 1000;

export class OfferFactsCache {
  readonly #lru: LRUCache<string, VisitorOfferFacts>;

  constructor(max: number, now: () => number = Date.now) {
    // perf.now for the LRU's clock, so a fake Date in tests drives it too.
    this.#lru = new LRUCache({ max, perf: { now }, ttlResolution: 0 });
  }

  /** The facts last read for this visitor and offer, if still usable. */
  peek(offerId: string, visitorId: string): VisitorOfferFacts | undefined {
    return this.#lru.get(key(offerId, visitorId));
  }

  /** Drops what is kept for this visitor and offer: this instance has just recorded an exposure. */
  forget(offerId: string, visitorId: string): void {
    this.#lru.delete(key(offerId, visitorId));
  }

  /** Keeps `facts` as just read from the store; `pooled`: the offer hands out single-use codes. */
  remember(offerId: string, visitorId: string, facts: VisitorOfferFacts, pooled: boolean): void {
    const settled = facts.firstExposureAt !== null && (!pooled || facts.code !== null);
    if (pooled && facts.code === null) return;
    this.#lru.set(key(offerId, visitorId), facts, settled ? {} : { ttl: UNSETTLED_TTL_MS });
  }
}

const key = (offerId: string, visitorId: string): string => `${offerId}\0${visitorId}`;
