// The Store contract against the shared backend: a real PostgreSQL (test/support/postgres.ts), a
// fresh database per test; writes jammed by another connection holding EXCLUSIVE locks on the
// store's tables past the store's lock timeout. Then two stores on one database, as two instances:
// codes, orders, settings, and the outbox's claims (FOR UPDATE SKIP LOCKED, leases).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../server/store/open-store';
import type { Store } from '../../../server/store/store';
import { startPostgres, type Postgres } from '../../support/postgres';
import { freePort } from '../../support/server-process';
import { describeStoreContract, testClock } from './store-contract';

const TABLES = ['vo_leads', 'vo_first_exposures', 'vo_exposures', 'vo_conversions', 'vo_orders', 'vo_coupon_pools', 'vo_coupon_codes', 'vo_settings', 'vo_outbox', 'vo_visitor_checks', 'vo_enrolments'];

let server: Postgres;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const open = (databaseUrl: string, now?: () => number) => openStore({ dataDir: '/nonexistent/visitor-offers-data', databaseUrl, retentionDays: null, busyTimeoutMs: 100, now });

describeStoreContract({
  name: 'Postgres',
  async open(now) {
    const url = await server.createDatabase();
    let store = await open(url, now);
    return {
      store,
      async reopen() {
        await store.close();
        store = await open(url, now);
        return store;
      },
      async jam() {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query('BEGIN');
        await client.query(`LOCK TABLE ${TABLES.join(', ')} IN EXCLUSIVE MODE`);
        return async () => {
          await client.query('ROLLBACK');
          await client.end();
        };
      },
    };
  },
});

describe('two instances on one Postgres database', () => {
  const HOLD = 60 * 60_000;

  it('agree on codes: 1,000 visitors holding from a 500-code pool across both get 500 distinct codes and 500 nulls; a visitor keeps one code on both', async () => {
    const url = await server.createDatabase();
    const clock = testClock();
    const [a, b] = await Promise.all([open(url, clock.now), open(url, clock.now)]);
    try {
      const codes = Array.from({ length: 500 }, (_, i) => `POOL-${i}`);
      await Promise.all([a.loadCouponPool('shared', codes), b.loadCouponPool('shared', codes)]);
      const visitors = Array.from({ length: 1000 }, (_, i) => `visitor-${i}`);
      const holds = await Promise.all(visitors.map((v, i) => (i % 2 === 0 ? a : b).holdCouponCode('shared', v, HOLD)));
      const given = holds.filter((c): c is string => c !== null);
      expect(given).toHaveLength(500);
      expect(new Set(given)).toEqual(new Set(codes));
      expect(holds.filter((c) => c === null)).toHaveLength(500);
      expect(await a.couponStock('shared')).toEqual({ left: 0, held: 500, claimed: 0 });
      // Each holder gets the same code from the other instance, and claims it there.
      const holders = visitors.filter((_, i) => holds[i] !== null);
      const again = await Promise.all(holders.map((v, i) => (i % 2 === 0 ? b : a).holdCouponCode('shared', v, HOLD)));
      expect(again).toEqual(holds.filter((c) => c !== null));
      const claims = await Promise.all(holders.slice(0, 200).map((v, i) => (i % 2 === 0 ? a : b).claimHeldCouponCode('shared', v)));
      expect(claims).toEqual(again.slice(0, 200));
      expect(await b.couponStock('shared')).toEqual({ left: 0, held: 300, claimed: 200 });
      // The 300 unclaimed holds lapse: 300 of the visitors who got nothing now share them out, once each.
      clock.advance(HOLD);
      const late = visitors.filter((_, i) => holds[i] === null);
      const retaken = await Promise.all(late.map((v, i) => (i % 2 === 0 ? a : b).holdCouponCode('shared', v, HOLD)));
      const second = retaken.filter((c): c is string => c !== null);
      expect(second).toHaveLength(300);
      expect(new Set(second).size).toBe(300);
      expect(second.filter((c) => claims.includes(c))).toEqual([]);
      expect(await a.couponStock('shared')).toEqual({ left: 0, held: 300, claimed: 200 });

      // One visitor asking both instances at once still holds one code.
      await a.loadCouponPool('second', ['X1', 'X2', 'X3']);
      const twice = await Promise.all([a.holdCouponCode('second', 'same', HOLD), b.holdCouponCode('second', 'same', HOLD)]);
      expect(twice[0]).toBe(twice[1]);
      expect(await a.couponCodesUsed('second')).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);

  it('agree on orders and settings: one order id, one backend owner; one setting', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    try {
      const outcomes = await Promise.all(['v1', 'v2', 'v1', 'v2'].map((v, i) => (i % 2 === 0 ? a : b).recordOrder({ orderId: 'o-1', visitorId: v, value: 1, currency: 'EUR', source: 'backend' })));
      expect(outcomes.filter((o) => o.status === 'new')).toHaveLength(1);
      expect(await b.orderCount()).toBe(1);
      const secret = await Promise.all([a.settingOrInit('k', () => 'from-a'), b.settingOrInit('k', () => 'from-b')]);
      expect(secret[0]).toBe(secret[1]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('deliver each outbox row once between them: claims racing from both never overlap, and a row held by a dead instance goes to the other once its lease expires', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    try {
      for (let i = 0; i < 300; i += 1) await (i % 2 === 0 ? a : b).enqueueGoal({ key: `g${i}`, goal: { visitorId: 'v', name: 'offer_click', metadata: { offer: `o${i}` } } });
      // Both drain the queue at once, several claimers each, as the two workers' lanes would.
      const taken: Record<'a' | 'b', string[]> = { a: [], b: [] };
      const drainFrom = async (name: 'a' | 'b', store: Store): Promise<void> => {
        for (;;) {
          const rows = await store.claimOutbox('datafast', { owner: name, limit: 7, leaseMs: 60_000 });
          if (rows.length === 0) return;
          taken[name].push(...rows.map((r) => r.key));
          await Promise.all(rows.map((r) => store.settleOutbox(r, name, { state: 'delivered', attempts: 0, error: null })));
        }
      };
      await Promise.all([drainFrom('a', a), drainFrom('a', a), drainFrom('b', b), drainFrom('b', b)]);
      const all = [...taken.a, ...taken.b];
      expect(all).toHaveLength(300);
      expect(new Set(all).size).toBe(300);
      expect(taken.a.length).toBeGreaterThan(0);
      expect(taken.b.length).toBeGreaterThan(0);
      expect((await a.outboxCounts()).datafast).toEqual({ queued: 0, inFlight: 0, failed: 0, rejected: 0 });

      // a claims and "dies" (never settles): b gets nothing until the lease is over, then the row.
      await a.enqueueGoal({ key: 'held', goal: { visitorId: 'v', name: 'offer_click', metadata: { offer: 'held' } } });
      expect((await a.claimOutbox('datafast', { owner: 'a', limit: 5, leaseMs: 300 })).map((r) => r.key)).toEqual(['held']);
      expect(await b.claimOutbox('datafast', { owner: 'b', limit: 5, leaseMs: 60_000 })).toEqual([]);
      // Freeing every lease is SQLite's start-up move only: here it must not take a living instance's row.
      expect(await b.releaseOutboxLeases(null)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const again = await b.claimOutbox('datafast', { owner: 'b', limit: 5, leaseMs: 60_000 });
      expect(again.map((r) => r.key)).toEqual(['held']);
      expect(await a.settleOutbox(again[0]!, 'a', { state: 'delivered', attempts: 0, error: null })).toBe(false);
      expect(await b.settleOutbox(again[0]!, 'b', { state: 'delivered', attempts: 0, error: null })).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('look at each visitor once between them: DataFast checks claimed racing from both never overlap', async () => {
    const url = await server.createDatabase();
    const clock = testClock();
    const [a, b] = await Promise.all([open(url, clock.now), open(url, clock.now)]);
    try {
      for (let i = 0; i < 200; i += 1) await (i % 2 === 0 ? a : b).recordExposure('exp', i % 3 === 0 ? 'x' : 'y', `visitor-${i}`);
      clock.advance(3_600_000);
      const windows = [{ experimentId: 'exp', lookBackMs: 86_400_000 }];
      const seen: Record<'a' | 'b', string[]> = { a: [], b: [] };
      // Each claims and settles (due again in an hour), several claimers per instance, as two jobs would.
      const drainFrom = async (name: 'a' | 'b', store: Store): Promise<void> => {
        for (;;) {
          const checks = await store.claimVisitorChecks({ windows, firstCheckAfterMs: 0, owner: name, limit: 9, leaseMs: 60_000 });
          if (checks.length === 0) return;
          seen[name].push(...checks.map((c) => c.visitorId));
          const settled = await Promise.all(checks.map((c) => store.settleVisitorCheck(c.visitorId, name, clock.t + 3_600_000)));
          expect(settled.every(Boolean)).toBe(true);
        }
      };
      await Promise.all([drainFrom('a', a), drainFrom('a', a), drainFrom('b', b), drainFrom('b', b)]);
      const all = [...seen.a, ...seen.b];
      expect(all).toHaveLength(200);
      expect(new Set(all).size).toBe(200);
      expect(seen.a.length).toBeGreaterThan(0);
      expect(seen.b.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('an unreachable database: opening fails with the connection error, and no credential is in it', async () => {
    const url = `postgres://visitor:s3cret-pass@127.0.0.1:${await freePort()}/nowhere`;
    const err = await open(url).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(String((err as Error).message)).not.toContain('s3cret-pass');
  });
});
