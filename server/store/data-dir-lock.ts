// One writer per data directory. The lock is an exclusive SQLite lock (locking_mode=EXCLUSIVE, a
// write, never released until close) on a small file beside the database: SQLite's POSIX locks
// conflict between processes, and its own bookkeeping makes them conflict between two connections
// of one process too (a second router in the same app). The operating system drops the lock when
// the process dies, so a kill -9 leaves no stale lock behind. Readers of the database itself
// (`visitor-offers results`) do not touch this file.
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';

export const LOCK_FILE = 'visitor-offers.lock';

/** The data directory is held by another store: another process, or another router in this one. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  constructor(readonly dataDir: string) {
    super(
      `"${dataDir}" is in use by another visitor-offers store (another process, or another router in this process): ` +
        'a data directory takes one writer. Stop the other one, give each its own data directory, or share a Postgres database (DATABASE_URL).',
    );
  }
}

export class DataDirLock {
  #db: Sqlite.Database | null;

  private constructor(
    readonly dataDir: string,
    db: Sqlite.Database,
  ) {
    this.#db = db;
  }

  /**
   * Creates the directory (0700) if needed and takes its lock, at once or not at all.
   * @throws DataDirInUseError when another store holds it; a file system error when the directory is unusable.
   */
  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, LOCK_FILE);
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    const db = new Sqlite(path, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      // The first write takes the exclusive lock, and in this mode keeps it until close.
      db.exec('BEGIN EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since INTEGER NOT NULL)');
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, Date.now());
      db.exec('COMMIT');
    } catch (err) {
      db.close();
      if ((err as { code?: unknown }).code === 'SQLITE_BUSY') throw new DataDirInUseError(dataDir);
      throw err;
    }
    return new DataDirLock(dataDir, db);
  }

  get held(): boolean {
    return this.#db !== null;
  }

  release(): void {
    this.#db?.close();
    this.#db = null;
  }
}
