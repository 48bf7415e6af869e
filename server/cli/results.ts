// `visitor-offers results`: the experiment results table, from the offers file (OFFERS_CONFIG) and
// the store in DATA_DIR. Reads a snapshot of the store, so it is safe beside a running server and
// needs no API key.
import { join } from 'node:path';
import type { Env } from '../config/env.js';
import { loadOffersFile } from '../config/offers-file.js';
import { experimentResult, formatResults } from '../experiments/results.js';
import { DEFAULT_STORE_FILE, Store } from '../store/store.js';
import { parse } from './args.js';

export async function results(args: string[], env: Env): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  const offersPath = env.OFFERS_CONFIG?.trim() || null;
  const dataDir = env.DATA_DIR?.trim() || 'data';
  const experiments = offersPath === null ? [] : loadOffersFile(offersPath).experiments;
  let store: Store | null = null;
  try {
    store = await Store.snapshot(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (!values.json) console.log(`No data yet: ${join(dataDir, DEFAULT_STORE_FILE)} does not exist.`);
  }
  const table = experiments.map((e) => experimentResult(e, store?.experimentCounts(e.id) ?? new Map()));
  if (offersPath === null && !values.json) console.log('OFFERS_CONFIG is not set: the built-in offers run no experiments.');
  if (values.json) console.log(JSON.stringify({ experiments: table }, null, 2));
  else process.stdout.write(formatResults(table));
  return 0;
}
