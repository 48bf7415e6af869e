// The DataFast reconciliation's queue, in SQL: exposed visitors not converted yet, each looked at
// on a schedule the job sets (`vo_visitor_checks.next_check_at`), claimed with a lease so that two
// instances sharing a database never look at one visitor at the same time.
//
// The claim is two statements: a read of due candidates, then one conditional upsert per batch
// that takes only rows nobody holds (ON CONFLICT DO UPDATE … WHERE the row is due and unleased,
// RETURNING what it took). On Postgres a concurrent claimer of the same visitor waits for the
// first's row lock and then finds the lease taken; on SQLite writes are serial anyway.
import { sql } from 'kysely';
import type { Backend, Db } from './backend.js';
import type { CheckWindow, VisitorCheck } from './store.js';

export interface VisitorCheckClaim {
  windows: readonly CheckWindow[];
  firstCheckAfterMs: number;
  owner: string;
  limit: number;
  leaseMs: number;
}

export async function claimVisitorChecks(backend: Backend, claim: VisitorCheckClaim, now: number): Promise<VisitorCheck[]> {
  if (claim.windows.length === 0 || claim.limit <= 0) return [];
  // Another instance may take every candidate read between the read and the upsert: read again
  // (now without those), a few times, rather than answer "nothing due" while visitors are.
  for (let attempt = 0; attempt < 3; attempt++) {
    const claimed = await claimOnce(backend, claim, now);
    if (claimed !== null) return claimed;
  }
  return [];
}

/** One read and upsert; null when visitors were due but another claimer took them all. */
async function claimOnce(backend: Backend, claim: VisitorCheckClaim, now: number): Promise<VisitorCheck[] | null> {
  const db = backend.db;
  const due = await unconverted(db, claim.windows, now)
    .leftJoin('vo_visitor_checks as k', 'k.visitor_id', 'e.visitor_id')
    .select((eb) => ['e.visitor_id', eb.fn.min(eb.fn.coalesce('k.next_check_at', eb('e.at', '+', claim.firstCheckAfterMs))).as('due')])
    .where((eb) => eb.or([eb('k.lease_expires_at', 'is', null), eb('k.lease_expires_at', '<=', now)]))
    .groupBy('e.visitor_id')
    .having((eb) => eb(eb.fn.min(eb.fn.coalesce('k.next_check_at', eb('e.at', '+', claim.firstCheckAfterMs))), '<=', now))
    .orderBy('due')
    .orderBy('e.visitor_id')
    .limit(claim.limit)
    .execute();
  if (due.length === 0) return [];
  const expires = now + claim.leaseMs;
  const taken = await backend.transaction((trx) =>
    trx
      .insertInto('vo_visitor_checks')
      .values(due.map((d) => ({ visitor_id: d.visitor_id, next_check_at: now, checks: 0, lease_owner: claim.owner, lease_expires_at: expires, updated_at: now })))
      .onConflict((oc) =>
        oc
          .column('visitor_id')
          .doUpdateSet({ lease_owner: claim.owner, lease_expires_at: expires, updated_at: now })
          .where((eb) =>
            eb.and([
              eb('vo_visitor_checks.next_check_at', '<=', now),
              eb.or([eb('vo_visitor_checks.lease_expires_at', 'is', null), eb('vo_visitor_checks.lease_expires_at', '<=', now)]),
            ]),
          ),
      )
      .returning(['visitor_id', 'checks'])
      .execute(),
  );
  if (taken.length === 0) return null;
  const exposures = await unconverted(db, claim.windows, now)
    .select(['e.visitor_id', 'e.experiment_id', 'e.at'])
    .where(
      'e.visitor_id',
      'in',
      taken.map((t) => t.visitor_id),
    )
    .execute();
  const order = new Map(due.map((d, i) => [d.visitor_id, i]));
  return taken
    .map((t): VisitorCheck => ({
      visitorId: t.visitor_id,
      checks: Number(t.checks),
      exposures: Object.fromEntries(exposures.filter((e) => e.visitor_id === t.visitor_id).map((e) => [e.experiment_id, Number(e.at)])),
    }))
    .sort((a, b) => (order.get(a.visitorId) ?? 0) - (order.get(b.visitorId) ?? 0));
}

/** Exposures (`e`) in one of the windows with no conversion in their experiment yet. */
function unconverted(db: Db, windows: readonly CheckWindow[], now: number) {
  return db
    .selectFrom('vo_exposures as e')
    .where((eb) => eb.or(windows.map((w) => eb.and([eb('e.experiment_id', '=', w.experimentId), eb('e.at', '>=', now - w.lookBackMs)]))))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('vo_conversions as c').select(sql.lit(1).as('one')).whereRef('c.experiment_id', '=', 'e.experiment_id').whereRef('c.visitor_id', '=', 'e.visitor_id'))),
    );
}

/** `next_check_at` of a visitor never to be looked at again (kept, so they are not taken for new, until the retention prunes the row). */
export const NEVER = Number.MAX_SAFE_INTEGER;

/** Ends `owner`'s look: due again at `nextCheckAt`, or never (null). False when the lease is no longer `owner`'s. */
export async function settleVisitorCheck(db: Db, visitorId: string, owner: string, nextCheckAt: number | null, now: number): Promise<boolean> {
  const updated = await db
    .updateTable('vo_visitor_checks')
    .set((eb) => ({ next_check_at: nextCheckAt ?? NEVER, checks: eb('checks', '+', 1), lease_owner: null, lease_expires_at: null, updated_at: now }))
    .where('visitor_id', '=', visitorId)
    .where('lease_owner', '=', owner)
    .where('lease_expires_at', '>', now)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}
