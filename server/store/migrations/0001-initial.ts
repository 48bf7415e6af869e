// The first schema: leads and their delivery, first exposures, experiment exposures and
// conversions, orders, single-use coupon codes, settings. One definition for SQLite and Postgres;
// the only difference is how `vo_leads.seq` counts (AUTOINCREMENT vs an identity column).
// Every index serves a query in sql-store.ts, sql-orders.ts, sql-coupons.ts or the pruning.
// A later table fits beside these without touching them (the goal outbox: rows with a kind, a
// payload, attempts, next_attempt_at and a lease, claimed with FOR UPDATE SKIP LOCKED).
import { sql, type Kysely } from 'kysely';
import type { StoreKind } from '../store.js';

export function initial(kind: StoreKind) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('vo_leads')
        .addColumn('seq', kind === 'postgres' ? 'bigint' : 'integer', (c) =>
          kind === 'postgres' ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('offer_id', 'text', (c) => c.notNull())
        .addColumn('visitor_id', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_datafast', 'smallint', (c) => c.notNull().defaultTo(0))
        .addColumn('delivered_webhook', 'smallint', (c) => c.notNull().defaultTo(0))
        .execute();
      // The forwarder's queue: only undelivered leads are in these (partial) indexes.
      await db.schema.createIndex('vo_leads_pending_datafast').on('vo_leads').column('seq').where(sql.ref('delivered_datafast'), '=', 0).execute();
      await db.schema.createIndex('vo_leads_pending_webhook').on('vo_leads').column('seq').where(sql.ref('delivered_webhook'), '=', 0).execute();
      // Erasure by email (`visitor-offers leads delete`).
      await db.schema.createIndex('vo_leads_email').on('vo_leads').expression(sql`lower(email)`).execute();
      await db.schema.createIndex('vo_leads_at').on('vo_leads').column('at').execute();

      await db.schema
        .createTable('vo_first_exposures')
        .addColumn('offer_id', 'text', (c) => c.notNull())
        .addColumn('visitor_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('vo_first_exposures_pk', ['offer_id', 'visitor_id'])
        .execute();
      await db.schema.createIndex('vo_first_exposures_at').on('vo_first_exposures').column('at').execute();

      for (const table of ['vo_exposures', 'vo_conversions'] as const) {
        await db.schema
          .createTable(table)
          .addColumn('experiment_id', 'text', (c) => c.notNull())
          .addColumn('visitor_id', 'text', (c) => c.notNull())
          .addColumn('variant_id', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['experiment_id', 'visitor_id'])
          .execute();
        // The results' GROUP BY variant is a scan of this index only.
        await db.schema.createIndex(`${table}_variant`).on(table).columns(['experiment_id', 'variant_id']).execute();
        await db.schema.createIndex(`${table}_at`).on(table).column('at').execute();
      }
      // A lead or an order converts every experiment the visitor was exposed to.
      await db.schema.createIndex('vo_exposures_visitor').on('vo_exposures').column('visitor_id').execute();

      await db.schema
        .createTable('vo_orders')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('visitor_id', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision')
        .addColumn('currency', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('experiments', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('vo_orders_pk', ['scope', 'order_id'])
        .execute();
      await db.schema.createIndex('vo_orders_order').on('vo_orders').column('order_id').execute();
      await db.schema.createIndex('vo_orders_at').on('vo_orders').column('at').execute();

      await db.schema
        .createTable('vo_coupon_pools')
        .addColumn('offer_id', 'text', (c) => c.primaryKey())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('vo_coupon_codes')
        .addColumn('offer_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .addColumn('visitor_id', 'text')
        .addColumn('claimed_at', 'bigint')
        .addPrimaryKeyConstraint('vo_coupon_codes_pk', ['offer_id', 'code'])
        .execute();
      // One code per visitor and offer (NULLs, the free codes, are distinct in both databases).
      await db.schema.createIndex('vo_coupon_codes_visitor').on('vo_coupon_codes').columns(['offer_id', 'visitor_id']).unique().execute();
      // The next free code of the current pool, in file order.
      await db.schema
        .createIndex('vo_coupon_codes_free')
        .on('vo_coupon_codes')
        .columns(['offer_id', 'generation', 'position'])
        .where(sql.ref('visitor_id'), 'is', null)
        .execute();

      await db.schema
        .createTable('vo_settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
