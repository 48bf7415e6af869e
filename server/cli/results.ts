// `visitor-offers results`: the experiment results table (and the global holdout's), from the
// offers file (OFFERS_CONFIG) and the store: SQLite in DATA_DIR, read-only (safe beside a running
// server: no lock, no write), or the Postgres database of DATABASE_URL. Each experiment's metrics
// are SQL aggregates within its attribution window. Needs no API key.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import type { Env } from '../config/env.js';
import { loadOffersFile } from '../config/offers-file.js';
import { readResults } from '../experiments/read-results.js';
import { formatResults } from '../experiments/results-format.js';
import type { Db } from '../store/backend.js';
import { schemaIsCurrent } from '../store/command-store.js';
import { JOURNAL_FILE } from '../store/journal.js';
import { openPostgres } from '../store/postgres.js';
import { experimentMetrics } from '../store/sql-attribution.js';
import { readSqlite, SQLITE_FILE } from '../store/sqlite.js';
import { parse } from './args.js';
import { storeEnv } from './store-env.js';

export async function results(args: string[], env: Env): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  const offersPath = env.OFFERS_CONFIG?.trim() || null;
  const { dataDir, databaseUrl } = storeEnv(env);
  const config = offersPath === null ? null : loadOffersFile(offersPath);
  const say = (line: string): void => void (values.json ? undefined : console.log(line));
  const db = databaseUrl === null ? readSqlite(dataDir) : openPostgres(databaseUrl, { maxConnections: 2 }).db;
  try {
    if (db === null) {
      if (existsSync(join(dataDir, JOURNAL_FILE))) say(`No data yet in the database: ${join(dataDir, JOURNAL_FILE)} is an old journal, imported when the server next starts.`);
      else say(`No data yet: ${join(dataDir, SQLITE_FILE)} does not exist.`);
    } else {
      await checkSchema(db, databaseUrl === null ? 'DATA_DIR' : 'DATABASE_URL');
    }
    const kind = databaseUrl === null ? 'sqlite' : 'postgres';
    const body = await readResults(config?.experiments ?? [], config?.holdout ?? 0, (id, windowMs) => (db === null ? Promise.resolve(new Map()) : experimentMetrics(db, kind, id, windowMs)));
    if (offersPath === null) say('OFFERS_CONFIG is not set: the built-in offers run no experiments.');
    if (values.json) console.log(JSON.stringify(body, null, 2));
    else process.stdout.write(formatResults(body.experiments, body.holdout));
    return 0;
  } finally {
    await db?.destroy();
  }
}

/** A reader does not migrate: it refuses a database the server has not brought up to date. */
async function checkSchema(db: Db, place: string): Promise<void> {
  const applied = await schemaIsCurrent(db).catch(() => false);
  if (!applied) throw new ConfigError(place, 'the database has not been set up by this version yet: start the server once, then ask again');
}
