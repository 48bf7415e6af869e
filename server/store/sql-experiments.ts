// An experiment's results as one SQL aggregate: exposures and conversions per variant, each a
// GROUP BY over its (experiment, variant) index, in one round trip. Nothing is kept in memory.
import { sql } from 'kysely';
import type { Db } from './backend.js';
import type { VariantCounts } from './store.js';

export async function experimentCounts(db: Db, experimentId: string): Promise<Map<string, VariantCounts>> {
  const rows = await db
    .selectFrom('vo_exposures')
    .select((eb) => ['variant_id', sql.lit('e').as('kind'), eb.fn.countAll<number>().as('n')])
    .where('experiment_id', '=', experimentId)
    .groupBy('variant_id')
    .unionAll(
      db
        .selectFrom('vo_conversions')
        .select((eb) => ['variant_id', sql.lit('c').as('kind'), eb.fn.countAll<number>().as('n')])
        .where('experiment_id', '=', experimentId)
        .groupBy('variant_id'),
    )
    .execute();
  const counts = new Map<string, VariantCounts>();
  for (const row of [...rows].sort((a, b) => a.variant_id.localeCompare(b.variant_id))) {
    const c = counts.get(row.variant_id) ?? { exposures: 0, conversions: 0 };
    if (row.kind === 'e') c.exposures = Number(row.n);
    else c.conversions = Number(row.n);
    counts.set(row.variant_id, c);
  }
  return counts;
}
