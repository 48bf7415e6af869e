// Watches how many single-use codes each pool has left and says so in the log when a pool runs
// low (a warning) or out (an error: its offer is withdrawn with `coupon-pool-empty`) — once per
// change of level, not once per request, and again after the pool had codes again. Each instance
// watches for itself: several instances each log a fall once.
//
// Counts come from whoever has one (a hold that found no code knows the pool is empty; a metrics
// scrape or the dashboard count in full) and from a check after each hold: a count capped at the
// threshold (cheap on a big pool), run in the background, one at a time per offer.
import type { Logger } from '../logger.js';
import type { CouponStock, Store } from '../store/store.js';
import type { PoolSync } from './pool-sync.js';

export type StockLevel = 'ok' | 'low' | 'empty';

/** A pool's level: `empty` with nothing left, `low` below the threshold, else `ok`. */
export function stockLevel(left: number, lowStockWarning: number): StockLevel {
  if (left <= 0) return 'empty';
  return left < lowStockWarning ? 'low' : 'ok';
}

/** A current pool's stock, as the dashboard shows it. */
export interface CouponPoolStock extends CouponStock {
  offerId: string;
  /** Codes in the pool file. */
  poolSize: number;
  level: StockLevel;
}

export interface PoolStockOptions {
  /** Fewer codes left than this is low (0: only empty counts). */
  lowStockWarning: number;
  logger: Logger;
}

export class PoolStock {
  readonly lowStockWarning: number;
  readonly #logger: Logger;
  readonly #levels = new Map<string, StockLevel>();
  /** Per offer: the check running, and whether another was asked for meanwhile. */
  readonly #checks = new Map<string, { again: boolean }>();

  constructor(options: PoolStockOptions) {
    this.lowStockWarning = options.lowStockWarning;
    this.#logger = options.logger;
  }

  /** Takes in a count of the offer's codes left (exact below the threshold); logs when its level changes. */
  observe(offerId: string, left: number): void {
    const level = stockLevel(left, this.lowStockWarning);
    const before = this.#levels.get(offerId);
    if (before === level) return;
    this.#levels.set(offerId, level);
    const fields = { offer: offerId, codesLeft: left, lowStockWarning: this.lowStockWarning };
    if (level === 'empty') this.#logger.error(fields, 'coupon codes: the pool is empty; its offer is withdrawn (coupon-pool-empty) until codes are added or holds lapse');
    else if (level === 'low') this.#logger.warn(fields, 'coupon codes: the pool is running low; add codes to its file');
    else if (before !== undefined) this.#logger.info(fields, 'coupon codes: the pool has enough codes again');
  }

  /** Counts the offer's codes left in the background (never rejects); a check asked for during one runs once after it. */
  check(store: Pick<Store, 'couponCodesLeft'>, offerId: string): void {
    const running = this.#checks.get(offerId);
    if (running !== undefined) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.#checks.set(offerId, state);
    const run = async (): Promise<void> => {
      try {
        for (;;) {
          state.again = false;
          // Up to the threshold is all a level needs (at least 1, to tell empty from not).
          this.observe(offerId, await store.couponCodesLeft(offerId, Math.max(1, this.lowStockWarning)));
          if (!state.again) return;
        }
      } finally {
        this.#checks.delete(offerId); // in the same turn as the last look at `again`
      }
    };
    run().catch((err: unknown) => this.#logger.debug({ offer: offerId, err: err instanceof Error ? err.message : String(err) }, 'coupon codes: could not count the codes left'));
  }

  /** Every current pool's stock, read from the store (each pool loaded first), and observed. */
  async report(store: Pick<Store, 'loadCouponPool' | 'couponStock'>, pools: ReadonlyMap<string, readonly string[]>, poolSync: PoolSync): Promise<CouponPoolStock[]> {
    return Promise.all(
      [...pools].map(async ([offerId, codes]) => {
        await poolSync.ensure(store, offerId, codes);
        const stock = await store.couponStock(offerId);
        this.observe(offerId, stock.left);
        return { offerId, poolSize: codes.length, ...stock, level: stockLevel(stock.left, this.lowStockWarning) };
      }),
    );
  }
}
