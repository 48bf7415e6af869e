// Keeps the store's copy of each single-use code pool in step with the offers in use. The offers
// hold each pool as a frozen array read from its file; a new array (a reload) is loaded into the
// store once, before its first claim or count, and every caller for that array shares that load.
// A failed load is forgotten, so the next caller tries again.
import type { Store } from '../store/store.js';

export class PoolSync {
  readonly #loaded = new WeakMap<readonly string[], Promise<void>>();

  /** Resolves once `codes` is the offer's pool in `store` (at once when it already is). */
  ensure(store: Pick<Store, 'loadCouponPool'>, offerId: string, codes: readonly string[]): Promise<void> {
    let loading = this.#loaded.get(codes);
    if (loading === undefined) {
      loading = store.loadCouponPool(offerId, codes);
      this.#loaded.set(codes, loading);
      loading.catch(() => this.#loaded.delete(codes));
    }
    return loading;
  }
}
