// Real store failures for route tests, without stubbing our code: another connection to the
// router's SQLite database moves a table out of the way (ALTER TABLE … RENAME), so the store's next
// write to it fails at once, as a damaged database would; `restore` moves it back.
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { SQLITE_FILE } from '../../server/store/sqlite';

export type StoreTable = 'vo_leads' | 'vo_exposures' | 'vo_first_exposures' | 'vo_conversions' | 'vo_orders' | 'vo_coupon_codes' | 'vo_outbox' | 'vo_enrolments';

/** Takes `table` away from the database in `dataDir`; resolves with the function that puts it back. */
export function takeTableAway(dataDir: string, table: StoreTable): () => void {
  const db = new Sqlite(join(dataDir, SQLITE_FILE));
  db.exec(`ALTER TABLE ${table} RENAME TO ${table}_away`);
  db.close();
  return () => {
    const again = new Sqlite(join(dataDir, SQLITE_FILE));
    again.exec(`ALTER TABLE ${table}_away RENAME TO ${table}`);
    again.close();
  };
}

/** Rows in each of the store's tables (read through a connection of its own): a test's "nothing was written". */
export function rowCensus(dataDir: string): Record<string, number> {
  const db = new Sqlite(join(dataDir, SQLITE_FILE), { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'vo\\_%' ESCAPE '\\'").all() as Array<{ name: string }>;
    return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}
