// The Store contract against the embedded backend: a real SQLite database in a temp data
// directory; writes jammed by a second connection holding the write lock (BEGIN IMMEDIATE) past
// the store's busy timeout. Then what only SQLite has: the data directory's lock, its files' modes,
// a reader beside the writer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll } from 'vitest';
import { openStore } from '../../../server/store/open-store';
import { SQLITE_FILE } from '../../../server/store/sqlite';
import { describeStoreContract } from './store-contract';

const base = mkdtempSync(join(tmpdir(), 'vo-sqlite-store-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describeStoreContract({
  name: 'SQLite',
  async open(now) {
    const dataDir = mkdtempSync(join(base, 'data-'));
    const open = () => openStore({ dataDir, retentionDays: null, busyTimeoutMs: 100, now });
    let store = await open();
    return {
      store,
      async reopen() {
        await store.close();
        store = await open();
        return store;
      },
      async jam() {
        const other = new Sqlite(join(dataDir, SQLITE_FILE));
        other.exec('BEGIN IMMEDIATE');
        return async () => {
          other.exec('ROLLBACK');
          other.close();
        };
      },
    };
  },
});
