// The embedded backend: one SQLite database in the data directory, through better-sqlite3.
//
// - WAL mode: readers (the `results` command beside a running server) never block the writer.
// - synchronous: NORMAL by default, FULL for the transactions that must survive a power loss
//   (Backend.durable: leads, orders, claimed codes, settings). In WAL mode NORMAL writes every
//   commit to the WAL before it returns, so a killed process loses nothing; only an OS crash or a
//   power cut can lose the last commits, which are then exposures, conversions or a delivery mark
//   (a count, or one more webhook call with the same Idempotency-Key). FULL fsyncs the WAL on each
//   commit, and better-sqlite3 is synchronous: the event loop waits for that fsync, so it is paid
//   only where a promise was made, and leads are grouped into one commit (sql-leads.ts).
// - busy_timeout: a write waits this long for a lock another connection holds (a backup tool, a
//   reader mid-checkpoint) before failing with SQLITE_BUSY.
// - Write transactions begin IMMEDIATE: they take the write lock first, waiting the busy timeout
//   for it. A deferred one that reads first and then writes, while another connection (`leads
//   delete` beside the server) commits in between, fails at once with SQLITE_BUSY: SQLite cannot
//   wait there, its snapshot is already stale.
// - secure_delete: a deleted row's bytes are overwritten with zeros, not left in a free page (an
//   erased email must not stay in the file); after an erasure the WAL is checkpointed and
//   truncated, so no copy of the deleted rows stays in it either.
// - One writer: the data directory's lock (data-dir-lock.ts) is held from open to close.
// - The directory is 0700 and the database 0600 (its WAL and shared-memory files follow): it holds emails.
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { probeDirectory } from '../health/store-probe.js';
import type { Backend, Db } from './backend.js';
import type { DataDirLock } from './data-dir-lock.js';
import type { Database } from './schema.js';

export const SQLITE_FILE = 'visitor-offers.sqlite';
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Checkpoints tried after an erasure (pauses of 100 ms doubling to 1 s between them: ~5 s in all). */
const CHECKPOINT_ATTEMPTS = 8;

const UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

export interface SqliteOptions {
  /** How long a write waits for another connection's lock. Default 5 s. */
  busyTimeoutMs?: number;
}

/** Opens (creating if needed) the database of a data directory whose lock the caller holds. */
export function openSqlite(lock: DataDirLock, options: SqliteOptions = {}): Backend {
  const dir = lock.dataDir;
  const path = join(dir, SQLITE_FILE);
  // Created 0600 before SQLite opens it (SQLite would use the umask; its WAL copies this mode).
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  const raw = new Sqlite(path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('secure_delete = ON');
  } catch (err) {
    raw.close();
    throw err;
  }
  return sqliteBackend(raw, dir, path, () => lock.release());
}

/**
 * The database of a data directory a server may be running on, for a one-shot command
 * (`visitor-offers leads …`): without the data directory's lock, which the server holds, and
 * without migrating. Read-only, or for a few short writes beside the server: SQLite's own file
 * locks (the database is in WAL mode, set by the server) let one connection write at a time and
 * never block readers, each writer waiting up to the busy timeout for the other. The data
 * directory's lock is about more than that — one store's state across transactions (grouped lead
 * commits, migrations, the journal import, pruning) — none of which a single DELETE has. Null when
 * there is no database yet.
 */
export function openSqliteBeside(dataDir: string, options: SqliteOptions & { readonly: boolean }): Backend | null {
  const path = join(dataDir, SQLITE_FILE);
  if (!existsSync(path)) return null;
  const raw = new Sqlite(path, { readonly: options.readonly, fileMustExist: true, timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  if (!options.readonly) raw.pragma('secure_delete = ON');
  return sqliteBackend(raw, dataDir, path, () => undefined);
}

function sqliteBackend(raw: Sqlite.Database, dir: string, path: string, release: () => void): Backend {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  let closed = false;

  /** `fn` in BEGIN IMMEDIATE … COMMIT on the one connection (Kysely holds it for the callback). */
  const immediate = <T>(conn: Db, fn: (trx: Db) => Promise<T>): Promise<T> =>
    (async () => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (err) {
        // A failed COMMIT may have rolled back already: nothing to undo then.
        if (raw.inTransaction) await sql`rollback`.execute(conn);
        throw err;
      }
    })();

  return {
    kind: 'sqlite',
    db,
    durable: <T>(fn: (trx: Db) => Promise<T>): Promise<T> =>
      // The pragma covers exactly this transaction.
      db.connection().execute(async (conn) => {
        await sql`pragma synchronous = FULL`.execute(conn);
        try {
          return await immediate(conn, fn);
        } finally {
          await sql`pragma synchronous = NORMAL`.execute(conn);
        }
      }),
    transaction: <T>(fn: (trx: Db) => Promise<T>): Promise<T> => db.connection().execute((conn) => immediate(conn, fn)),
    async afterErasure() {
      // Copies every WAL frame into the database (where secure_delete zeroed the rows) and cuts the
      // WAL to 0 bytes. It waits (busy timeout) for a writer beside it and for readers still on
      // old frames, but not for another checkpoint running (the server's automatic one): busy = 1,
      // the WAL still holds old frames; tried again after a pause.
      for (let attempt = 0; attempt < CHECKPOINT_ATTEMPTS; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 1000)));
        const { rows } = await sql<{ busy: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(db);
        if (Number(rows[0]?.busy ?? 0) === 0) return;
      }
      throw Object.assign(new Error('the WAL could not be emptied after the erasure: the server kept it busy; run the command again'), { code: 'SQLITE_BUSY' });
    },
    isUniqueViolation: (err) => UNIQUE_CODES.has(String((err as { code?: unknown } | null)?.code)),
    probeMedium: () => probeDirectory(dir),
    sizeBytes: () => Promise.resolve(fileSize(path) + fileSize(`${path}-wal`)),
    async close() {
      if (closed) return;
      closed = true;
      // Kysely waits for the connection, then better-sqlite3 checkpoints and closes the file.
      await db.destroy();
      release();
    },
  };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * A read-only view of a data directory's database, for reports beside a running server: no lock,
 * no migration, no write. Null when there is no database yet.
 */
export function readSqlite(dataDir: string): Db | null {
  const path = join(dataDir, SQLITE_FILE);
  if (!existsSync(path)) return null;
  const raw = new Sqlite(path, { readonly: true, fileMustExist: true, timeout: DEFAULT_BUSY_TIMEOUT_MS });
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
}
