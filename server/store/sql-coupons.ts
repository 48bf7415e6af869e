// Single-use coupon codes in SQL: one row per code of an offer's pool, holding the visitor it went
// to. A claim is one atomic UPDATE … RETURNING of the next free code of the current pool (Postgres
// skips rows other transactions have locked: FOR UPDATE SKIP LOCKED), so no code goes out twice;
// the unique (offer, visitor) index makes a second code for one visitor impossible, and the claim
// that meets it reads the code that won instead.
import { createHash } from 'node:crypto';
import type { Backend, Db } from './backend.js';

/** Rows per INSERT when a pool is loaded (well under both databases' parameter limits). */
const BATCH = 1000;

export async function loadCouponPool(backend: Backend, offerId: string, codes: readonly string[]): Promise<void> {
  const unique = [...new Set(codes)];
  const fingerprint = createHash('sha256').update(unique.join('\n')).digest('hex');
  const known = await backend.db.selectFrom('vo_coupon_pools').select(['generation', 'fingerprint']).where('offer_id', '=', offerId).executeTakeFirst();
  if (known?.fingerprint === fingerprint) return;
  await backend.durable(async (trx) => {
    const current = await trx.selectFrom('vo_coupon_pools').select('generation').where('offer_id', '=', offerId).executeTakeFirst();
    const generation = (current?.generation ?? 0) + 1;
    for (let start = 0; start < unique.length; start += BATCH) {
      const rows = unique.slice(start, start + BATCH).map((code, i) => ({ offer_id: offerId, code, position: start + i, generation, visitor_id: null, claimed_at: null }));
      // A code already stored keeps its visitor; it joins the new generation at its new place.
      await trx
        .insertInto('vo_coupon_codes')
        .values(rows)
        .onConflict((oc) => oc.columns(['offer_id', 'code']).doUpdateSet((eb) => ({ generation: eb.ref('excluded.generation'), position: eb.ref('excluded.position') })))
        .execute();
    }
    await trx
      .insertInto('vo_coupon_pools')
      .values({ offer_id: offerId, generation, fingerprint, size: unique.length })
      .onConflict((oc) => oc.column('offer_id').doUpdateSet({ generation, fingerprint, size: unique.length }))
      .execute();
  });
}

export async function claimCouponCode(backend: Backend, offerId: string, visitorId: string, at: number): Promise<string | null> {
  const held = await couponCode(backend.db, offerId, visitorId);
  if (held !== undefined) return held;
  try {
    const claimed = await backend.durable((trx) =>
      trx
        .updateTable('vo_coupon_codes')
        .set({ visitor_id: visitorId, claimed_at: at })
        .where('offer_id', '=', offerId)
        .where('visitor_id', 'is', null)
        .where('code', '=', (eb) =>
          eb
            .selectFrom('vo_coupon_codes as free')
            .select('free.code')
            .where('free.offer_id', '=', offerId)
            .where('free.visitor_id', 'is', null)
            .where('free.generation', '=', (sub) => sub.selectFrom('vo_coupon_pools').select('generation').where('vo_coupon_pools.offer_id', '=', offerId))
            .orderBy('free.position')
            .limit(1)
            .$if(backend.kind === 'postgres', (qb) => qb.forUpdate().skipLocked()),
        )
        .returning('code')
        .executeTakeFirst(),
    );
    return claimed?.code ?? null;
  } catch (err) {
    // The same visitor's other claim (another request, another instance) won: theirs is the code.
    if (!backend.isUniqueViolation(err)) throw err;
    return (await couponCode(backend.db, offerId, visitorId)) ?? null;
  }
}

export async function couponCode(db: Db, offerId: string, visitorId: string): Promise<string | undefined> {
  const row = await db.selectFrom('vo_coupon_codes').select('code').where('offer_id', '=', offerId).where('visitor_id', '=', visitorId).executeTakeFirst();
  return row?.code;
}

export async function couponCodesLeft(db: Db, offerId: string): Promise<number> {
  const row = await db
    .selectFrom('vo_coupon_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('offer_id', '=', offerId)
    .where('visitor_id', 'is', null)
    .where('generation', '=', (eb) => eb.selectFrom('vo_coupon_pools').select('generation').where('vo_coupon_pools.offer_id', '=', offerId))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function couponCodesUsed(db: Db, offerId: string): Promise<number> {
  const row = await db
    .selectFrom('vo_coupon_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('offer_id', '=', offerId)
    .where('visitor_id', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
