// What differs between the two databases, behind one small interface: how a transaction is made
// durable, how a taken key shows in an error, what a write probe touches, how big the store is.
// Everything else (the queries) is written once, with Kysely, in sql-*.ts.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { StoreKind } from './store.js';

export type Db = Kysely<Database>;

export interface Backend {
  readonly kind: StoreKind;
  readonly db: Db;
  /**
   * Runs `fn` in a transaction whose commit survives a power loss (leads, orders, claimed codes,
   * settings). Postgres: every commit is (synchronous_commit on). SQLite: synchronous=FULL for it.
   */
  durable<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in a transaction that survives the process being killed, but on SQLite not
   * necessarily a power loss in the last moments before it (synchronous=NORMAL in WAL mode: no
   * fsync per commit). For facts whose loss costs a count, not a promise made to someone.
   */
  transaction<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
  /**
   * After an erasure committed: leaves no copy of the deleted rows in files the backend controls
   * (SQLite: checkpoints and truncates the WAL; Postgres: nothing it can do, see README). Rejects
   * (SQLITE_BUSY) when it could not; calling it again finishes it.
   */
  afterErasure(): Promise<void>;
  /** True when `err` is a unique or primary key violation. */
  isUniqueViolation(err: unknown): boolean;
  /** A write besides the database's own (SQLite: a file in the data directory); rejects on failure. */
  probeMedium(): Promise<void>;
  sizeBytes(): Promise<number | null>;
  close(): Promise<void>;
}

/** An error's code for logs and readiness: `SQLITE_FULL`, a Postgres SQLSTATE, `ECONNREFUSED`…; never a message with data. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'EIO';
}
