// `visitor-offers fit-score`: fits the local score's weights on the site's own visitors — the
// behaviour signals kept at each exposed visitor's first exposure (while the local score is on)
// against whether they converted afterwards — and prints the calibration on the fifth of visitors
// kept out of the fit (predicted against observed conversion rate, by decile) and the weights as
// the `localScore.weights` option and as LOCAL_SCORE_WEIGHTS. Reads the store like `results`:
// SQLite in DATA_DIR read-only (beside a running server too), or DATABASE_URL's Postgres.
import { join } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import type { Env } from '../config/env.js';
import { schemaIsCurrent } from '../store/command-store.js';
import { openPostgres } from '../store/postgres.js';
import { scoreSamples } from '../store/sql-score-signals.js';
import { readSqlite, SQLITE_FILE } from '../store/sqlite.js';
import { fitScoreWeights, MIN_CONVERSIONS, MIN_VISITORS, weightsAsConfig, type WeightsFit } from '../scoring/fit-weights.js';
import { parse } from './args.js';
import { storeEnv } from './store-env.js';

export async function fitScore(args: string[], env: Env): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  const { dataDir, databaseUrl, place } = storeEnv(env);
  const db = databaseUrl === null ? readSqlite(dataDir) : openPostgres(databaseUrl, { maxConnections: 2 }).db;
  try {
    if (db === null) {
      console.log(`No data yet: ${join(dataDir, SQLITE_FILE)} does not exist.`);
      return 1;
    }
    if (!(await schemaIsCurrent(db).catch(() => false))) throw new ConfigError(place, 'the database has not been set up by this version yet: start the server once, then ask again');
    const samples = await scoreSamples(db);
    const conversions = samples.filter((s) => s.converted).length;
    if (samples.length < MIN_VISITORS || conversions < MIN_CONVERSIONS) {
      console.log(
        `Not enough outcomes to fit on yet: ${samples.length} visitors with signals kept, ${conversions} of them converted (at least ${MIN_VISITORS} and ${MIN_CONVERSIONS} needed). ` +
          'Signals are kept at each visitor’s first exposure while localScore.mode is when-missing (LOCAL_SCORE).',
      );
      return 1;
    }
    const fit = fitScoreWeights(samples);
    if (values.json) console.log(JSON.stringify({ ...fit, weights: weightsAsConfig(fit.weights) }, null, 2));
    else process.stdout.write(report(fit));
    return 0;
  } finally {
    await db?.destroy();
  }
}

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

function report(fit: WeightsFit): string {
  const lines: string[] = [];
  lines.push(`Fitted on ${fit.fitted} visitors (${fit.conversions} conversions in all); calibration on the ${fit.heldOut} kept out of the fit${fit.converged ? '' : ' (the fit did not converge: read the weights with care)'}.`);
  lines.push('');
  lines.push('decile  visitors  predicted  observed');
  for (const b of fit.calibration.bins) lines.push(`${String(b.decile).padStart(6)}  ${String(b.visitors).padStart(8)}  ${pct(b.predicted).padStart(9)}  ${pct(b.observed).padStart(8)}`);
  lines.push(`calibration error: ${fit.calibration.errorPoints.toFixed(2)} points (visitors' mean |predicted − observed| over the deciles)`);
  lines.push('');
  const weights = weightsAsConfig(fit.weights);
  lines.push('As options:');
  lines.push(JSON.stringify({ localScore: { mode: 'when-missing', weights } }, null, 2));
  lines.push('');
  lines.push('As the environment:');
  lines.push(`LOCAL_SCORE=when-missing LOCAL_SCORE_WEIGHTS='${JSON.stringify(weights)}'`);
  lines.push('');
  return lines.join('\n');
}
