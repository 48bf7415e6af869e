// The shared backend: PostgreSQL through a `pg` pool, when DATABASE_URL is set. Several instances
// use one database; its unique keys and row locks (FOR UPDATE SKIP LOCKED) do what the data
// directory's lock does for SQLite. Every commit is durable (Postgres' synchronous_commit).
//
// The URL holds credentials: it is never logged, and an error from the pool is logged by its code.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Backend, Db } from './backend.js';
import { errorCode } from './backend.js';
import type { Database } from './schema.js';

const INT8_OID = 20;

/** bigint columns (times, counts) as numbers: every value we store fits in 2^53. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresOptions {
  /** Connections at most. Default 10. */
  maxConnections?: number;
  /** How long a statement waits for a row or table lock another connection holds (Postgres' lock_timeout). Default 5 s. */
  lockTimeoutMs?: number;
  /** Called when an idle connection fails (the pool replaces it); never with the URL. */
  onError?: (code: string) => void;
}

/** How long a connection may take to open, and one statement to run (the outbox's lease outlasts both). */
export const PG_CONNECT_TIMEOUT_MS = 5000;
export const PG_STATEMENT_TIMEOUT_MS = 15_000;

export function openPostgres(url: string, options: PostgresOptions = {}): Backend {
  const pool = new pg.Pool({
    connectionString: url,
    types,
    max: options.maxConnections ?? 10,
    // A request must not wait for ever on an unreachable database: it fails, and is answered 503.
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    statement_timeout: PG_STATEMENT_TIMEOUT_MS,
    lock_timeout: options.lockTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    application_name: 'visitor-offers',
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (err) => options.onError?.(errorCode(err)));
  // The pool listens to idle connections only: one killed while checked out between two
  // statements (in a transaction) would emit an error nobody hears, which crashes the process. The
  // statement in hand fails on its own, and the pool drops the dead connection when it comes back.
  pool.on('connect', (client) => client.on('error', (err) => options.onError?.(errorCode(err))));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  const transaction = <T>(fn: (trx: Db) => Promise<T>): Promise<T> => db.transaction().execute(fn);
  return {
    kind: 'postgres',
    db,
    durable: transaction,
    transaction,
    isUniqueViolation: (err) => (err as { code?: unknown } | null)?.code === '23505',
    probeMedium: () => Promise.resolve(),
    // Dead tuples stay in the table's pages until VACUUM, and in the WAL and its archive until
    // recycled: the database's own housekeeping, not this process's (README: Export and erasure).
    afterErasure: () => Promise.resolve(),
    async sizeBytes() {
      const { rows } = await sql<{ bytes: number | string | null }>`
        select sum(pg_total_relation_size(format('%I.%I', schemaname, tablename))) as bytes
        from pg_tables where schemaname = current_schema() and tablename like 'vo\\_%'`.execute(db);
      const bytes = Number(rows[0]?.bytes ?? 0);
      return Number.isFinite(bytes) ? bytes : null;
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
