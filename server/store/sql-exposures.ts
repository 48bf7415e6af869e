// A widget's exposure in SQL, as one transaction: the claim of the visitor's held code (a pooled
// coupon), their first exposure to the offer, their exposure in the experiment, and — only when
// this exposure is the one that counts — its goal for DataFast in the outbox. All or nothing: a
// failure stores none of them, so the widget's retry finds the exposure new and queues its goal;
// a committed exposure always has its goal queued (unless the caller left it out: a full outbox).
import type { Backend } from './backend.js';
import { claimHeld } from './sql-coupons.js';
import { insertGoal } from './sql-outbox.js';
import type { KeyedGoal, OfferExposure, OfferExposureOutcome } from './store.js';

export async function recordOfferExposure(backend: Backend, e: OfferExposure, now: number, goal: KeyedGoal | undefined): Promise<OfferExposureOutcome> {
  // A claim must survive a power loss (the code is the visitor's for good); a bare exposure costs
  // a count if lost, so it commits without an fsync of its own on SQLite.
  const run = e.claimCode && e.offerId !== null ? backend.durable.bind(backend) : backend.transaction.bind(backend);
  return run(async (trx) => {
    const code = e.claimCode && e.offerId !== null ? await claimHeld(trx, e.offerId, e.visitorId, now) : null;
    let firstForOffer = false;
    if (e.offerId !== null) {
      const inserted = await trx
        .insertInto('vo_first_exposures')
        .values({ offer_id: e.offerId, visitor_id: e.visitorId, at: now })
        .onConflict((oc) => oc.columns(['offer_id', 'visitor_id']).doNothing())
        .returning('at')
        .executeTakeFirst();
      firstForOffer = inserted !== undefined;
    }
    let counted = firstForOffer;
    if (e.experiment !== undefined) {
      const inserted = await trx
        .insertInto('vo_exposures')
        .values({ experiment_id: e.experiment.id, variant_id: e.experiment.variantId, visitor_id: e.visitorId, at: now })
        .onConflict((oc) => oc.columns(['experiment_id', 'visitor_id']).doNothing())
        .returning('visitor_id')
        .executeTakeFirst();
      counted = inserted !== undefined;
    }
    const queued = counted && goal !== undefined ? await insertGoal(trx, goal, now) : false;
    return { duplicate: !counted, code, queued };
  });
}
