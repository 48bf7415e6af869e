// Conversions attributed within a window, revenue per experiment arm, and the DataFast
// reconciliation's per-visitor checks:
// - orders are read per visitor (revenue of an experiment's exposed visitors: sql-attribution.ts);
// - an experiment's exposures are read by time (the visitors still within their window);
// - `vo_visitor_checks`: when each exposed, unconverted visitor's DataFast record is looked at
//   next, and by whom now (a lease, so two instances never check one visitor at the same time).
import { type Kysely } from 'kysely';

export function attribution() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('vo_orders_visitor').on('vo_orders').column('visitor_id').execute();
      await db.schema.createIndex('vo_exposures_experiment_at').on('vo_exposures').columns(['experiment_id', 'at']).execute();
      await db.schema
        .createTable('vo_visitor_checks')
        .addColumn('visitor_id', 'text', (c) => c.primaryKey())
        .addColumn('next_check_at', 'bigint', (c) => c.notNull())
        .addColumn('checks', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // Pruning by the retention.
      await db.schema.createIndex('vo_visitor_checks_updated').on('vo_visitor_checks').column('updated_at').execute();
    },
  };
}
