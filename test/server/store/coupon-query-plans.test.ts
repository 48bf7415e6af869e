// Taking a free code costs one index range, whatever the pool's size: on a pool of 100,000 codes
// (some already held), the statement holdCouponCode runs reads the free-code index in file order —
// no scan, no sort of the free codes (SQLite: no temp b-tree) — on SQLite and on a real Postgres
// (analysed, as autovacuum does after a pool is loaded). A lookup by visitor still uses the
// (partial) unique index. Checked on the plans the databases report, not on timings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, type Compilable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../server/store/backend';
import { DataDirLock } from '../../../server/store/data-dir-lock';
import { migrate } from '../../../server/store/open-store';
import { openPostgres } from '../../../server/store/postgres';
import { loadCouponPool, takeFreeQuery } from '../../../server/store/sql-coupons';
import { openSqlite } from '../../../server/store/sqlite';
import { startPostgres, type Postgres } from '../../support/postgres';

const POOL = 100_000;
const base = mkdtempSync(join(tmpdir(), 'vo-plans-'));
let pg: Postgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
  rmSync(base, { recursive: true, force: true });
});

/** The database's own plan for a statement, one line per step. */
async function plan(b: Backend, query: Compilable): Promise<string> {
  const c = query.compile();
  const explain = b.kind === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
  const r = await b.db.executeQuery(CompiledQuery.raw(explain + c.sql, [...c.parameters]));
  return r.rows.map((row) => Object.values(row as Record<string, unknown>).join(' ')).join('\n');
}

async function loadedPool(kind: 'sqlite' | 'postgres'): Promise<Backend> {
  const b = kind === 'sqlite' ? openSqlite(DataDirLock.acquire(mkdtempSync(join(base, 'd-')))) : openPostgres(await pg.createDatabase());
  await migrate(b);
  await loadCouponPool(b, 'pooled', Array.from({ length: POOL }, (_, i) => `C${i}`));
  for (let i = 0; i < 50; i += 1) await takeFreeQuery(b.kind, b.db, 'pooled', `v${i}`, 1).execute();
  if (kind === 'postgres') await b.db.executeQuery(CompiledQuery.raw('ANALYZE vo_coupon_codes'));
  return b;
}

describe('the free-code query on a pool of 100,000 codes', () => {
  it('SQLite: searches the free-code index by offer and generation, in position order, no temp b-tree', async () => {
    const b = await loadedPool('sqlite');
    try {
      const take = await plan(b, takeFreeQuery('sqlite', b.db, 'pooled', 'v-new', 1));
      expect(take).toMatch(/SEARCH free USING INDEX vo_coupon_codes_free \(offer_id=\? AND generation=\?\)/);
      expect(take).not.toMatch(/TEMP B-TREE/);
      expect(take).not.toMatch(/\bSCAN\b/);
      const byVisitor = await plan(b, b.db.selectFrom('vo_coupon_codes').select('code').where('offer_id', '=', 'pooled').where('visitor_id', '=', 'v1'));
      expect(byVisitor).toMatch(/USING INDEX vo_coupon_codes_visitor \(offer_id=\? AND visitor_id=\?\)/);
      // The one code per visitor still holds.
      await expect(b.db.updateTable('vo_coupon_codes').set({ visitor_id: 'v1' }).where('code', '=', 'C999').execute()).rejects.toThrow(/UNIQUE/);
    } finally {
      await b.close();
    }
  }, 120_000);

  it('Postgres: an index scan of the free-code index, no sort', async () => {
    const b = await loadedPool('postgres');
    try {
      const take = await plan(b, takeFreeQuery('postgres', b.db, 'pooled', 'v-new', 1));
      expect(take).toMatch(/Index Scan using vo_coupon_codes_free on vo_coupon_codes free/);
      expect(take).not.toMatch(/Sort|Seq Scan/);
      const byVisitor = await plan(b, b.db.selectFrom('vo_coupon_codes').select('code').where('offer_id', '=', 'pooled').where('visitor_id', '=', 'v1'));
      expect(byVisitor).toMatch(/Index Scan using vo_coupon_codes_visitor/);
      await expect(b.db.updateTable('vo_coupon_codes').set({ visitor_id: 'v1' }).where('code', '=', 'C999').execute()).rejects.toThrow(/unique/i);
    } finally {
      await b.close();
    }
  }, 120_000);
});
