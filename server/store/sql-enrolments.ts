// A bandit's enrolments in SQL: insert-if-absent on the (experiment, visitor) key, then read what
// is there, so the first enrolment wins on every backend and across instances.
import type { Db } from './backend.js';

export async function enrol(db: Db, experimentId: string, visitorId: string, variantId: string, now: number): Promise<{ variantId: string; first: boolean }> {
  const inserted = await db
    .insertInto('vo_enrolments')
    .values({ experiment_id: experimentId, visitor_id: visitorId, variant_id: variantId, at: now })
    .onConflict((oc) => oc.columns(['experiment_id', 'visitor_id']).doNothing())
    .returning('variant_id')
    .executeTakeFirst();
  if (inserted !== undefined) return { variantId, first: true };
  const known = await enrolmentOf(db, experimentId, visitorId);
  // Only a prune between the two statements could remove the row: then this call's variant stands.
  return known === undefined ? { variantId, first: false } : { variantId: known, first: false };
}

export async function enrolmentOf(db: Db, experimentId: string, visitorId: string): Promise<string | undefined> {
  const row = await db.selectFrom('vo_enrolments').select('variant_id').where('experiment_id', '=', experimentId).where('visitor_id', '=', visitorId).executeTakeFirst();
  return row?.variant_id;
}
