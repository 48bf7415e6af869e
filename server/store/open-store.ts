// Opening the store: the backend (SQLite in the data directory, or Postgres when a database URL
// is given), the schema brought up to date by Kysely's Migrator (migrations/), an old journal
// imported once, and the retention timer started. A failure on the way closes what was opened
// (and frees the data directory) before it is passed on.
import { Migrator } from 'kysely';
import type { Logger } from '../logger.js';
import type { Backend } from './backend.js';
import { errorCode } from './backend.js';
import { DataDirLock } from './data-dir-lock.js';
import { importJournal } from './journal-import.js';
import { migrationsFor } from './migrations/index.js';
import { openPostgres } from './postgres.js';
import { DEFAULT_RETENTION_DAYS, RetentionTimer } from './retention.js';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE } from './schema.js';
import { SqlStore } from './sql-store.js';
import { openSqlite } from './sqlite.js';

export interface OpenStoreOptions {
  /** SQLite's home, and where an old journal is looked for. */
  dataDir: string;
  /** `postgres://…`: the shared backend instead of SQLite. */
  databaseUrl?: string | null;
  /** Days exposures, conversions, first exposures and orders are kept; null: for ever. Default 400. */
  retentionDays?: number | null;
  /** The data directory's lock when the caller already holds it (the router takes it at mount); else taken here. */
  lock?: DataDirLock | null;
  logger?: Logger;
  now?: () => number;
  /** How long a write waits for a lock another connection holds (SQLite's busy timeout, Postgres' lock_timeout). Default 5 s. */
  busyTimeoutMs?: number;
}

export async function openStore(o: OpenStoreOptions): Promise<SqlStore> {
  const now = o.now ?? Date.now;
  const log = o.logger;
  let backend: Backend;
  if (o.databaseUrl) {
    backend = openPostgres(o.databaseUrl, { lockTimeoutMs: o.busyTimeoutMs, onError: (code) => log?.warn({ code }, 'store: a Postgres connection failed; the pool opens another') });
  } else {
    const lock = o.lock ?? DataDirLock.acquire(o.dataDir);
    try {
      backend = openSqlite(lock, { busyTimeoutMs: o.busyTimeoutMs });
    } catch (err) {
      lock.release();
      throw err;
    }
  }
  try {
    await migrate(backend);
    const imported = await importJournal(backend, o.dataDir, now);
    if (imported !== null) {
      log?.info({ ...imported.counts, tornBytes: imported.tornBytes, renamedTo: imported.renamedTo }, 'store: imported the old journal into the database');
    }
  } catch (err) {
    await backend.close().catch(() => undefined);
    throw err;
  }
  const store = new SqlStore(backend, { now });
  const retention = new RetentionTimer({
    days: o.retentionDays === undefined ? DEFAULT_RETENTION_DAYS : o.retentionDays,
    run: (before) => store.prune(before),
    report: (result) => {
      if ('error' in result) log?.warn({ code: errorCode(result.error) }, 'store: pruning old rows failed; it is tried again later');
      else if (Object.values(result.counts).some((n) => n > 0)) log?.info(result.counts, 'store: pruned rows past the retention period');
    },
    now,
  });
  store.retention = retention;
  retention.start();
  return store;
}

/** Applies the migrations not applied yet (Kysely's Migrator: one transaction, a lock against concurrent instances). */
export async function migrate(backend: Backend): Promise<void> {
  // Unordered: migrations written side by side (each independent of the others) may reach a
  // database in either order; each still runs once.
  const migrator = new Migrator({ db: backend.db, provider: migrationsFor(backend.kind), migrationTableName: MIGRATION_TABLE, migrationLockTableName: MIGRATION_LOCK_TABLE, allowUnorderedMigrations: true });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
}
