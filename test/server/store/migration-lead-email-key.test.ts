// Upgrading a database whose leads were stored before `email_key`, on SQLite and Postgres: every
// existing lead gets its key (computed in JavaScript, page by page), so erasure finds an old
// `ÖZGE@example.com` by `özge@EXAMPLE.com` and takes its queued webhook call with it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../server/store/backend';
import { DataDirLock } from '../../../server/store/data-dir-lock';
import { migrationsFor } from '../../../server/store/migrations/index';
import { openStore } from '../../../server/store/open-store';
import { openPostgres } from '../../../server/store/postgres';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE } from '../../../server/store/schema';
import { openSqlite } from '../../../server/store/sqlite';
import { startPostgres, type Postgres } from '../../support/postgres';

/** More than one page of the migration's backfill. */
const OLD_LEADS = 1203;
const base = mkdtempSync(join(tmpdir(), 'vo-migration-key-'));
let pg: Postgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
  rmSync(base, { recursive: true, force: true });
});

/** A database at the schema before email_key, with leads and their webhook rows as that version wrote them. */
async function leadsBeforeKeys(backend: Backend): Promise<void> {
  const migrator = new Migrator({ db: backend.db, provider: migrationsFor(backend.kind), migrationTableName: MIGRATION_TABLE, migrationLockTableName: MIGRATION_LOCK_TABLE });
  const { error } = await migrator.migrateTo('0003-code-holds');
  if (error !== undefined) throw error;
  const db = backend.db as unknown as Kysely<unknown>;
  const emails = ['ÖZGE@example.com', ...Array.from({ length: OLD_LEADS - 1 }, (_, i) => `old-${i}@example.com`)];
  for (let i = 0; i < emails.length; i += 400) {
    const rows = emails.slice(i, i + 400).map((email, j) => sql`(${`lead-${i + j}`}, ${email}, 'guide', null, ${1000 + i + j}, 0, 0)`);
    await sql`insert into vo_leads (id, email, offer_id, visitor_id, at, delivered_datafast, delivered_webhook) values ${sql.join(rows)}`.execute(db);
  }
  await sql`insert into vo_outbox (kind, dedupe_key, lead_id, state, attempts, next_attempt_at, created_at) values ('webhook', 'lead-0', 'lead-0', 'pending', 0, 0, 0), ('webhook', 'lead-1', 'lead-1', 'pending', 0, 0, 0)`.execute(db);
  await backend.close();
}

const cases: Array<[string, () => Promise<() => ReturnType<typeof openStore>>]> = [
  [
    'SQLite',
    async () => {
      const dataDir = mkdtempSync(join(base, 'data-'));
      await leadsBeforeKeys(openSqlite(DataDirLock.acquire(dataDir)));
      return () => openStore({ dataDir, retentionDays: null });
    },
  ],
  [
    'Postgres',
    async () => {
      const url = await pg.createDatabase();
      await leadsBeforeKeys(openPostgres(url));
      return () => openStore({ dataDir: '/nonexistent', databaseUrl: url, retentionDays: null });
    },
  ],
];

describe.each(cases)('migrating leads to an email key (%s)', (_name, make) => {
  it('gives every existing lead its key: an old ÖZGE@ is erased by özge@EXAMPLE.com with its webhook row; the others stay', async () => {
    const open = await make();
    const store = await open();
    try {
      expect(await store.leadCount()).toBe(OLD_LEADS);
      expect(await store.deleteLeadsByEmail('özge@EXAMPLE.com')).toBe(1);
      expect(await store.lead('lead-0')).toBeUndefined();
      expect((await store.claimOutbox('webhook', { owner: 'w', limit: 10, leaseMs: 1000 })).map((e) => e.leadId)).toEqual(['lead-1']);
      // The last page of the backfill too.
      expect(await store.deleteLeadsByEmail(`OLD-${OLD_LEADS - 2}@example.com`)).toBe(1);
      expect(await store.leadCount()).toBe(OLD_LEADS - 2);
    } finally {
      await store.close();
    }
  });
});
