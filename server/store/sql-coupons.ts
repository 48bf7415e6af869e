// Single-use coupon codes in SQL: one row per code of an offer's pool. A code is free (no
// visitor), held for a visitor until `held_until` (their offer shows it), or claimed by them for
// good (`claimed_at`: their first exposure). A hold that lapses unclaimed puts the code back in
// the pool: another visitor may take it over, and until someone does it is still its visitor's.
//
// Taking a code is one atomic UPDATE … RETURNING of the next free code of the current pool (else
// the oldest lapsed hold); Postgres skips rows other transactions have locked (FOR UPDATE SKIP
// LOCKED), SQLite runs one write at a time, so no code goes to two visitors. The unique
// (offer, visitor) index makes a second code for one visitor impossible, and the take that meets
// it reads the code that won instead.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Backend, Db } from './backend.js';
import type { CouponStock, StoreKind } from './store.js';

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
      const rows = unique
        .slice(start, start + BATCH)
        .map((code, i) => ({ offer_id: offerId, code, position: start + i, generation, visitor_id: null, claimed_at: null, held_until: null }));
      // A code already stored keeps its visitor (hold or claim); it joins the new generation at its new place.
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

/** Tries before giving up on a visitor whose row keeps changing under them (another instance's request for them). */
const ATTEMPTS = 4;

export async function holdCouponCode(backend: Backend, offerId: string, visitorId: string, now: number, holdMs: number): Promise<string | null> {
  const until = now + holdMs;
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const own = await backend.db.selectFrom('vo_coupon_codes').select(['code', 'claimed_at']).where('offer_id', '=', offerId).where('visitor_id', '=', visitorId).executeTakeFirst();
    if (own !== undefined && own.claimed_at !== null) return own.code;
    // A hold is renewed or taken without an fsync of its own (Backend.transaction): losing one to
    // a power cut costs at most a visitor who saw the code before their exposure claimed it.
    if (own !== undefined) {
      const renewed = await backend.transaction((trx) =>
        trx
          .updateTable('vo_coupon_codes')
          .set({ held_until: until })
          .where('offer_id', '=', offerId)
          .where('visitor_id', '=', visitorId)
          .where('claimed_at', 'is', null)
          .returning('code')
          .executeTakeFirst(),
      );
      if (renewed !== undefined) return renewed.code;
      continue; // claimed, or taken over, meanwhile: look again
    }
    try {
      return await backend.transaction(async (trx) => (await takeFree(backend, trx, offerId, visitorId, until)) ?? (await takeLapsed(backend, trx, offerId, visitorId, now, until)));
    } catch (err) {
      // The same visitor's other request (another instance) took a code first: theirs is the code.
      if (!backend.isUniqueViolation(err)) throw err;
    }
  }
  return (await couponCode(backend.db, offerId, visitorId)) ?? null;
}

/** The next free code of the current pool, in file order, held for the visitor. */
async function takeFree(backend: Backend, trx: Db, offerId: string, visitorId: string, until: number): Promise<string | null> {
  const row = await takeFreeQuery(backend.kind, trx, offerId, visitorId, until).executeTakeFirst();
  return row?.code ?? null;
}

/** The statement takeFree runs (exported so its query plan can be checked): one index range, no sort. */
export function takeFreeQuery(kind: StoreKind, trx: Db, offerId: string, visitorId: string, until: number) {
  return trx
    .updateTable('vo_coupon_codes')
    .set({ visitor_id: visitorId, held_until: until })
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
        .$if(kind === 'postgres', (qb) => qb.forUpdate().skipLocked()),
    )
    .returning('code');
}

/** The oldest lapsed hold on a code of the current pool, taken over for the visitor. */
async function takeLapsed(backend: Backend, trx: Db, offerId: string, visitorId: string, now: number, until: number): Promise<string | null> {
  const row = await trx
    .updateTable('vo_coupon_codes')
    .set({ visitor_id: visitorId, held_until: until })
    .where('offer_id', '=', offerId)
    .where('claimed_at', 'is', null)
    .where('held_until', '<=', now)
    .where('code', '=', (eb) =>
      eb
        .selectFrom('vo_coupon_codes as lapsed')
        .select('lapsed.code')
        .where('lapsed.offer_id', '=', offerId)
        .where('lapsed.visitor_id', 'is not', null)
        .where('lapsed.claimed_at', 'is', null)
        .where('lapsed.held_until', '<=', now)
        .where('lapsed.generation', '=', (sub) => sub.selectFrom('vo_coupon_pools').select('generation').where('vo_coupon_pools.offer_id', '=', offerId))
        .orderBy('lapsed.held_until')
        .limit(1)
        .$if(backend.kind === 'postgres', (qb) => qb.forUpdate().skipLocked()),
    )
    .returning('code')
    .executeTakeFirst();
  return row?.code ?? null;
}

export async function claimHeldCouponCode(backend: Backend, offerId: string, visitorId: string, now: number): Promise<string | null> {
  // Durable: from here on the code is the visitor's for good, whatever happens to the machine.
  return backend.durable((trx) => claimHeld(trx, offerId, visitorId, now));
}

/** Claims the visitor's held code in the caller's transaction; their claimed code (now or before), or null. */
export async function claimHeld(trx: Db, offerId: string, visitorId: string, now: number): Promise<string | null> {
  const claimed = await trx
    .updateTable('vo_coupon_codes')
    .set({ claimed_at: now, held_until: null })
    .where('offer_id', '=', offerId)
    .where('visitor_id', '=', visitorId)
    .where('claimed_at', 'is', null)
    .returning('code')
    .executeTakeFirst();
  if (claimed !== undefined) return claimed.code;
  // Claimed before (an earlier exposure), or nothing to claim.
  return (await couponCode(trx, offerId, visitorId)) ?? null;
}

export async function couponCode(db: Db, offerId: string, visitorId: string): Promise<string | undefined> {
  const row = await db.selectFrom('vo_coupon_codes').select('code').where('offer_id', '=', offerId).where('visitor_id', '=', visitorId).executeTakeFirst();
  return row?.code;
}

/** Codes of the current pool a new visitor could take (free, or held past their hold), counting up to `atMost`. */
export async function couponCodesLeft(db: Db, offerId: string, now: number, atMost = Number.MAX_SAFE_INTEGER): Promise<number> {
  // Each part is a range of its own partial index; the cap keeps a low-stock check cheap on a big pool.
  const count = async (part: 'free' | 'lapsed', cap: number): Promise<number> => {
    const rows = db
      .selectFrom('vo_coupon_codes')
      .select('code')
      .where('offer_id', '=', offerId)
      .where('generation', '=', (sub) => sub.selectFrom('vo_coupon_pools').select('generation').where('vo_coupon_pools.offer_id', '=', offerId))
      .$if(part === 'free', (qb) => qb.where('visitor_id', 'is', null))
      .$if(part === 'lapsed', (qb) => qb.where('visitor_id', 'is not', null).where('claimed_at', 'is', null).where('held_until', '<=', now))
      .limit(cap);
    const row = await db.selectFrom(rows.as('c')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  };
  const free = await count('free', atMost);
  return free >= atMost ? free : free + (await count('lapsed', atMost - free));
}

/** Left (as couponCodesLeft), held (unlapsed holds) and claimed codes of an offer, in one pass over its rows. */
export async function couponStock(db: Db, offerId: string, now: number): Promise<CouponStock> {
  const row = await db
    .selectFrom('vo_coupon_codes')
    .select([
      sql<number>`coalesce(sum(case when generation = (select generation from vo_coupon_pools where offer_id = ${offerId})
        and (visitor_id is null or (claimed_at is null and held_until <= ${now})) then 1 else 0 end), 0)`.as('left_'),
      sql<number>`coalesce(sum(case when visitor_id is not null and claimed_at is null and held_until > ${now} then 1 else 0 end), 0)`.as('held'),
      sql<number>`coalesce(sum(case when claimed_at is not null then 1 else 0 end), 0)`.as('claimed'),
    ])
    .where('offer_id', '=', offerId)
    .executeTakeFirstOrThrow();
  return { left: Number(row.left_), held: Number(row.held), claimed: Number(row.claimed) };
}
