// The low-stock log of single-use code pools: one line per change of level (low: a warning, empty:
// an error, enough again: info), never one per request; background counts capped at the
// threshold, one at a time per offer, on a real SQLite store; a failing count never rejects.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PoolSync } from '../../../server/offers/pool-sync';
import { PoolStock, stockLevel } from '../../../server/offers/pool-stock';
import { openStore } from '../../../server/store/open-store';
import { captureLog } from '../../support/log-capture';
import { waitFor } from '../../support/wait';

const base = mkdtempSync(join(tmpdir(), 'vo-pool-stock-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const lines = (log: ReturnType<typeof captureLog>) => log.lines.map((l) => JSON.parse(l) as { level: number; msg: string; offer: string; codesLeft: number });

describe('stockLevel', () => {
  it('is empty at 0, low below the threshold, ok from it; with threshold 0 never low', () => {
    expect([0, 1, 99, 100, 5000].map((n) => stockLevel(n, 100))).toEqual(['empty', 'low', 'low', 'ok', 'ok']);
    expect([0, 1].map((n) => stockLevel(n, 0))).toEqual(['empty', 'ok']);
  });
});

describe('PoolStock.observe', () => {
  it('logs each change of level once: low (warn), empty (error), back to low (warn), enough (info)', () => {
    const log = captureLog();
    const stock = new PoolStock({ lowStockWarning: 100, logger: log.logger });
    for (const left of [150, 120, 100, 99, 98, 50, 1, 0, 0, 0, 5, 7, 120, 130, 99]) stock.observe('welcome', left);
    expect(lines(log).map((l) => [l.level, l.msg.split(';')[0], l.codesLeft])).toEqual([
      [40, 'coupon codes: the pool is running low', 99],
      [50, 'coupon codes: the pool is empty', 0],
      [40, 'coupon codes: the pool is running low', 5],
      [30, 'coupon codes: the pool has enough codes again', 120],
      [40, 'coupon codes: the pool is running low', 99],
    ]);
  });

  it('keeps each offer apart, and says nothing of a pool first seen with enough codes', () => {
    const log = captureLog();
    const stock = new PoolStock({ lowStockWarning: 10, logger: log.logger });
    stock.observe('a', 50);
    stock.observe('b', 3);
    stock.observe('a', 0);
    expect(lines(log).map((l) => [l.offer, l.level])).toEqual([
      ['b', 40],
      ['a', 50],
    ]);
  });
});

describe('PoolStock.check and report, on a real store', () => {
  it('counts in the background, one count at a time per offer however many checks are asked for, and logs the fall once', async () => {
    const store = await openStore({ dataDir: mkdtempSync(join(base, 'data-')), retentionDays: null });
    const log = captureLog();
    const stock = new PoolStock({ lowStockWarning: 3, logger: log.logger });
    await store.loadCouponPool('welcome', ['A', 'B', 'C', 'D']);
    await store.holdCouponCode('welcome', 'v1', 60_000);
    await store.holdCouponCode('welcome', 'v2', 60_000);
    let counts = 0;
    let inFlight = 0;
    let most = 0;
    // The real store, with its counts watched.
    const watched = {
      couponCodesLeft: async (offerId: string, atMost?: number) => {
        counts += 1;
        most = Math.max(most, (inFlight += 1));
        try {
          expect(atMost).toBe(3);
          return await store.couponCodesLeft(offerId, atMost);
        } finally {
          inFlight -= 1;
        }
      },
    };
    for (let i = 0; i < 20; i += 1) stock.check(watched, 'welcome');
    await waitFor(() => lines(log).length === 1 && inFlight === 0, 'the low-stock warning');
    expect(counts).toBe(2);
    expect(most).toBe(1);
    expect(lines(log)).toMatchObject([{ level: 40, offer: 'welcome', codesLeft: 2 }]);

    const report = await stock.report(store, new Map([['welcome', ['A', 'B', 'C', 'D']]]), new PoolSync());
    expect(report).toEqual([{ offerId: 'welcome', poolSize: 4, left: 2, held: 2, claimed: 0, level: 'low' }]);
    await store.close();
    // A count that fails (the store is closed) is logged at debug level, and rejects nothing.
    stock.check(store, 'welcome');
    await waitFor(() => lines(log).some((l) => l.msg === 'coupon codes: could not count the codes left'), 'the failed count in the log');
    expect(lines(log).filter((l) => l.level >= 40)).toHaveLength(1);
  });
});
