// The local score's training data: each exposed visitor's behaviour signals as they were at their
// first exposure (while the local score is on), one row per visitor, so `visitor-offers fit-score`
// can fit the weights on the site's own visitors against their conversions. Pruned by `at` with the
// retention. Numbered 0008: 0007 is left to the work that runs beside this one.
import { type Kysely } from 'kysely';

export function scoreSignals() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('vo_score_signals')
        .addColumn('visitor_id', 'text', (c) => c.primaryKey())
        // JSON of BehaviourSignals (scoring/signals.ts).
        .addColumn('signals', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vo_score_signals_at').on('vo_score_signals').column('at').execute();
    },
  };
}
