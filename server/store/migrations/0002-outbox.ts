// The delivery outbox: goals for DataFast and leads' webhook calls as rows, so a restart or a
// `kill -9` loses none. Workers claim due rows with a lease (FOR UPDATE SKIP LOCKED on Postgres)
// and settle them; sql-outbox.ts has the queries each index below serves.
import { sql, type Kysely } from 'kysely';
import type { StoreKind } from '../store.js';

export function outbox(kind: StoreKind) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('vo_outbox')
        .addColumn('id', kind === 'postgres' ? 'bigint' : 'integer', (c) =>
          kind === 'postgres' ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.notNull())
        .addColumn('lead_id', 'text')
        .addColumn('payload', 'text')
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('done_at', 'bigint')
        .addColumn('last_error', 'text')
        .addUniqueConstraint('vo_outbox_key', ['kind', 'dedupe_key'])
        .execute();
      // The claim: a kind's due pending rows, soonest first. Only pending rows are in it.
      await db.schema.createIndex('vo_outbox_due').on('vo_outbox').columns(['kind', 'next_attempt_at']).where(sql.ref('state'), '=', sql.lit('pending')).execute();
      // The counts (queued, leased, failed, rejected) without reading delivered rows.
      await db.schema
        .createIndex('vo_outbox_open')
        .on('vo_outbox')
        .columns(['kind', 'state', 'lease_expires_at'])
        .where(sql.ref('state'), '<>', sql.lit('delivered'))
        .execute();
      // Erasure of a lead's deliveries; pruning of finished rows.
      await db.schema.createIndex('vo_outbox_lead').on('vo_outbox').column('lead_id').execute();
      await db.schema.createIndex('vo_outbox_done').on('vo_outbox').column('done_at').execute();
    },
  };
}
