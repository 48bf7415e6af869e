// `visitor-offers results`: the experiment results table, from the offers file (OFFERS_CONFIG) and
// the store: SQLite in DATA_DIR, read-only (safe beside a running server: no lock, no write), or
// the Postgres database of DATABASE_URL. Each experiment's counts are one SQL aggregate. Needs no
// API key.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { ConfigError } from '../config/config-error.js';
import type { Env } from '../config/env.js';
import { loadOffersFile } from '../config/offers-file.js';
import { experimentResult, formatResults } from '../experiments/results.js';
import type { Db } from '../store/backend.js';
import { JOURNAL_FILE } from '../store/journal.js';
import { LATEST_MIGRATION } from '../store/migrations/index.js';
import { openPostgres } from '../store/postgres.js';
import { MIGRATION_TABLE } from '../store/schema.js';
import { experimentCounts } from '../store/sql-experiments.js';
import { readSqlite, SQLITE_FILE } from '../store/sqlite.js';
import { parse } from './args.js';

export async function results(args: string[], env: Env): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  const offersPath = env.OFFERS_CONFIG?.trim() || null;
  const dataDir = env.DATA_DIR?.trim() || 'data';
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  const experiments = offersPath === null ? [] : loadOffersFile(offersPath).experiments;
  const say = (line: string): void => void (values.json ? undefined : console.log(line));
  const db = databaseUrl === null ? readSqlite(dataDir) : openPostgres(checkedUrl(databaseUrl), { maxConnections: 2 }).db;
  try {
    if (db === null) {
      if (existsSync(join(dataDir, JOURNAL_FILE))) say(`No data yet in the database: ${join(dataDir, JOURNAL_FILE)} is an old journal, imported when the server next starts.`);
      else say(`No data yet: ${join(dataDir, SQLITE_FILE)} does not exist.`);
    } else {
      await checkSchema(db, databaseUrl === null ? 'DATA_DIR' : 'DATABASE_URL');
    }
    const table = await Promise.all(experiments.map(async (e) => experimentResult(e, db === null ? new Map() : await experimentCounts(db, e.id))));
    if (offersPath === null) say('OFFERS_CONFIG is not set: the built-in offers run no experiments.');
    if (values.json) console.log(JSON.stringify({ experiments: table }, null, 2));
    else process.stdout.write(formatResults(table));
    return 0;
  } finally {
    await db?.destroy();
  }
}

/** A reader does not migrate: it refuses a database the server has not brought up to date. */
async function checkSchema(db: Db, place: string): Promise<void> {
  const applied = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)} where name = ${LATEST_MIGRATION}`
    .execute(db as Kysely<unknown>)
    .then((r) => r.rows.length > 0)
    .catch(() => false);
  if (!applied) throw new ConfigError(place, 'the database has not been set up by this version yet: start the server once, then ask again');
}

function checkedUrl(url: string): string {
  if (!/^postgres(ql)?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL with a host and a database');
  return url;
}
