// Upgrading a database from the first schema to held-then-claimed codes, on SQLite and Postgres:
// every code a visitor had (claimed when decided, before holds existed) stays claimed, never
// lapses back into the pool; free codes stay free.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../server/store/backend';
import { DataDirLock } from '../../../server/store/data-dir-lock';
import { migrationsFor } from '../../../server/store/migrations/index';
import { openStore } from '../../../server/store/open-store';
import { openPostgres } from '../../../server/store/postgres';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE } from '../../../server/store/schema';
import { openSqlite } from '../../../server/store/sqlite';
import { startPostgres, type Postgres } from '../../support/postgres';

const DAY = 86_400_000;
const base = mkdtempSync(join(tmpdir(), 'vo-migration-'));
let pg: Postgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
  rmSync(base, { recursive: true, force: true });
});

/** A database at the first schema, with codes handed out the old way (claimed when decided). */
async function firstSchemaWithCodes(backend: Backend): Promise<void> {
  const migrator = new Migrator({ db: backend.db, provider: migrationsFor(backend.kind), migrationTableName: MIGRATION_TABLE, migrationLockTableName: MIGRATION_LOCK_TABLE });
  const { error } = await migrator.migrateTo('0001-initial');
  if (error !== undefined) throw error;
  await backend.db.insertInto('vo_coupon_pools').values({ offer_id: 'pooled', generation: 1, fingerprint: 'old', size: 3 }).execute();
  await backend.db
    .insertInto('vo_coupon_codes')
    .values([
      { offer_id: 'pooled', code: 'OLD-A', position: 0, generation: 1, visitor_id: 'ann', claimed_at: Date.now() - 30 * DAY },
      { offer_id: 'pooled', code: 'OLD-B', position: 1, generation: 1, visitor_id: 'bob', claimed_at: Date.now() - 2 * DAY },
      { offer_id: 'pooled', code: 'OLD-C', position: 2, generation: 1, visitor_id: null, claimed_at: null },
    ])
    .execute();
  await backend.close();
}

const cases: Array<[string, () => Promise<{ open: (now: () => number) => ReturnType<typeof openStore> }>]> = [
  [
    'SQLite',
    async () => {
      const dataDir = mkdtempSync(join(base, 'data-'));
      await firstSchemaWithCodes(openSqlite(DataDirLock.acquire(dataDir)));
      return { open: (now) => openStore({ dataDir, retentionDays: null, now }) };
    },
  ],
  [
    'Postgres',
    async () => {
      const url = await pg.createDatabase();
      await firstSchemaWithCodes(openPostgres(url));
      return { open: (now) => openStore({ dataDir: '/nonexistent', databaseUrl: url, retentionDays: null, now }) };
    },
  ],
];

describe.each(cases)('migrating to code holds (%s)', (_name, make) => {
  it('keeps every code handed out before as claimed, for good; free codes stay free', async () => {
    const { open } = await make();
    const later = Date.now() + 365 * DAY;
    const store = await open(() => later);
    try {
      expect(await store.couponStock('pooled')).toEqual({ left: 1, held: 0, claimed: 2 });
      expect(await store.offerFacts('pooled', 'ann')).toMatchObject({ code: 'OLD-A' });
      expect(await store.holdCouponCode('pooled', 'bob', 60_000)).toBe('OLD-B');
      expect(await store.holdCouponCode('pooled', 'cat', 60_000)).toBe('OLD-C');
      expect(await store.holdCouponCode('pooled', 'dan', 60_000)).toBeNull();
    } finally {
      await store.close();
    }
  });
});
