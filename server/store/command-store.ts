// The store as a one-shot command (`visitor-offers leads …`) opens it, beside a server that may be
// running on it: the Postgres database of DATABASE_URL, or the SQLite database in the data
// directory without its lock (sqlite.ts: openSqliteBeside says why that is safe). A command never
// migrates: it refuses a database the server has not brought up to this version's schema.
import { sql, type Kysely } from 'kysely';
import type { Backend, Db } from './backend.js';
import { LATEST_MIGRATION } from './migrations/index.js';
import { openPostgres } from './postgres.js';
import { MIGRATION_TABLE } from './schema.js';
import { SqlStore } from './sql-store.js';
import { openSqliteBeside } from './sqlite.js';
import type { Store } from './store.js';

export interface CommandStoreOptions {
  dataDir: string;
  /** `postgres://…`: that database instead of SQLite in `dataDir`. */
  databaseUrl: string | null;
  /** SQLite: read-only, or writing beside the server. */
  access: 'read' | 'write';
}

/** The store's database is older than this version (the server has not been started with it yet). */
export class SchemaNotCurrentError extends Error {
  override readonly name = 'SchemaNotCurrentError';
  constructor() {
    super('the database has not been set up by this version yet: start the server once, then try again');
  }
}

/**
 * The store, or null when SQLite has no database yet (nothing was ever stored).
 * @throws SchemaNotCurrentError; the database's own error when it cannot be opened or read
 */
export async function openCommandStore(o: CommandStoreOptions): Promise<Store | null> {
  const backend: Backend | null =
    o.databaseUrl !== null ? openPostgres(o.databaseUrl, { maxConnections: 2 }) : openSqliteBeside(o.dataDir, { readonly: o.access === 'read' });
  if (backend === null) return null;
  try {
    if (!(await schemaIsCurrent(backend.db))) throw new SchemaNotCurrentError();
  } catch (err) {
    await backend.close().catch(() => undefined);
    throw err;
  }
  return new SqlStore(backend);
}

/** Whether the newest migration this version knows has been applied. */
export async function schemaIsCurrent(db: Db): Promise<boolean> {
  return sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)} where name = ${LATEST_MIGRATION}`
    .execute(db as Kysely<unknown>)
    .then((r) => r.rows.length > 0)
    .catch((err: unknown) => {
      // No migration table: a database this server never set up. Anything else is the database's own failure.
      if ((err as { code?: unknown }).code === '42P01' || /no such table/.test(err instanceof Error ? err.message : '')) return false;
      throw err;
    });
}
