// The next free code must come from the free-code index (offer, generation, position WHERE
// visitor_id IS NULL) without a sort. SQLite's planner preferred the unique (offer, visitor) index
// for `visitor_id IS NULL` (an equality on it), then sorted every free code of the pool per hold.
// Made partial (only codes that have a visitor), that index cannot serve a free-code lookup, and
// still serves every lookup by visitor and keeps one code per visitor: NULLs were distinct anyway.
import { sql, type Kysely } from 'kysely';

export function codeIndex() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('vo_coupon_codes_visitor').execute();
      await db.schema
        .createIndex('vo_coupon_codes_visitor')
        .on('vo_coupon_codes')
        .columns(['offer_id', 'visitor_id'])
        .unique()
        .where(sql.ref('visitor_id'), 'is not', null)
        .execute();
    },
  };
}
