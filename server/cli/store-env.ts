// Where the CLI's commands find the store the server uses: DATABASE_URL when set (Postgres), else
// the SQLite database in DATA_DIR (default `data`), read from the environment as the server does.
import { ConfigError } from '../config/config-error.js';
import type { Env } from '../config/env.js';

export interface StoreEnv {
  dataDir: string;
  databaseUrl: string | null;
  /** The variable to name when the store is the problem. */
  place: 'DATA_DIR' | 'DATABASE_URL';
}

/** @throws ConfigError naming DATABASE_URL when it is not a postgres:// URL (never repeating it: it holds a password) */
export function storeEnv(env: Env): StoreEnv {
  const dataDir = env.DATA_DIR?.trim() || 'data';
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl !== null && (!/^postgres(ql)?:\/\/[^\s]+$/.test(databaseUrl) || !URL.canParse(databaseUrl))) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL with a host and a database');
  }
  return { dataDir, databaseUrl, place: databaseUrl === null ? 'DATA_DIR' : 'DATABASE_URL' };
}
