// `npm run results`: the experiment results table, from OFFERS_CONFIG and the store in DATA_DIR.
// Reads a snapshot of the journal, so it is safe beside a running server and needs no API key.
import { join } from 'node:path';
import { readOffersFile } from './config.js';
import { ConfigError } from './config-error.js';
import { experimentResult, formatResults } from './experiments/results.js';
import { DEFAULT_STORE_FILE, Store } from './store/store.js';

async function main(): Promise<void> {
  const offersPath = process.env.OFFERS_CONFIG?.trim() || null;
  const dataDir = process.env.DATA_DIR?.trim() || 'data';
  const experiments = offersPath === null ? [] : (readOffersFile(offersPath)?.experiments ?? []);
  let store: Store | null = null;
  try {
    store = await Store.snapshot(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    console.log(`No data yet: ${join(dataDir, DEFAULT_STORE_FILE)} does not exist.`);
  }
  const results = experiments.map((e) => experimentResult(e, store?.experimentCounts(e.id) ?? new Map()));
  process.stdout.write(formatResults(results));
}

try {
  await main();
} catch (err) {
  console.error(`visitor-offers results: ${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
