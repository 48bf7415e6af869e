// A bandit's enrolments: the arm each visitor was placed in when /offer first decided for them in
// the experiment. A bandit's weights change as it runs, so the visitor's bucket alone no longer
// says their arm (as it does for fixed weights): this row does, on every instance and after
// restarts. One per visitor and experiment, by the primary key; pruned by its time.
import { type Kysely } from 'kysely';

export function enrolments() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('vo_enrolments')
        .addColumn('experiment_id', 'text', (c) => c.notNull())
        .addColumn('visitor_id', 'text', (c) => c.notNull())
        .addColumn('variant_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('vo_enrolments_pk', ['experiment_id', 'visitor_id'])
        .execute();
      await db.schema.createIndex('vo_enrolments_at').on('vo_enrolments').column('at').execute();
    },
  };
}
