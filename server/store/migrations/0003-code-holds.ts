// Single-use codes are held first, claimed later: /offer holds a code for the visitor (until
// `held_until`), so the offer can show it at once, and the visitor's first exposure claims it for
// good (`claimed_at`). A hold that lapses without an exposure puts the code back in the pool.
// Rows from before this migration were claimed when decided: each keeps its claim.
import { sql, type Kysely } from 'kysely';

export function codeHolds() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('vo_coupon_codes').addColumn('held_until', 'bigint').execute();
      // Every code a visitor had was claimed at decision time (claimed_at was always set with
      // visitor_id); a row that somehow lacks it is claimed now rather than put back in the pool.
      await sql`update vo_coupon_codes set claimed_at = 0 where visitor_id is not null and claimed_at is null`.execute(db);
      // Lapsed holds, oldest first: what a hold takes when no code is free.
      await db.schema
        .createIndex('vo_coupon_codes_held')
        .on('vo_coupon_codes')
        .columns(['offer_id', 'held_until'])
        .where((eb) => eb.and([eb(sql.ref('visitor_id'), 'is not', null), eb(sql.ref('claimed_at'), 'is', null)]))
        .execute();
    },
  };
}
