// The delivery outbox in SQL: one row per goal for DataFast or webhook call for a lead, queued in
// the transaction that stores what it reports (a lead, an order) where there is one, claimed by
// workers with a lease, settled once its target answered. The queries are written once for both
// databases; only the claim differs: Postgres locks the rows it picks (FOR UPDATE SKIP LOCKED, so
// two instances never lease one row), SQLite has one writer and needs no row locks.
//
// A row is `pending` until it settles as `delivered`, `rejected` (refused for good) or `failed`
// (out of attempts). While leased, `next_attempt_at` is the lease's expiry: a row whose holder died
// becomes due again then, with no sweeper.
import { sql } from 'kysely';
import type { Backend, Db } from './backend.js';
import type { OutboxTable } from './schema.js';
import type { DeliveryTarget, KeyedGoal, Lead, OutboxCounts, OutboxEntry, OutboxGoal, OutboxKind, OutboxSettlement } from './store.js';
import { DELIVERY_TARGETS } from './store.js';

export type NewRow = Omit<OutboxTable, 'id'>;

const PENDING = sql.lit('pending');
const DELIVERED = sql.lit('delivered');

function newRow(kind: OutboxKind, key: string, leadId: string | null, goal: OutboxGoal | null, now: number): NewRow {
  return {
    kind,
    dedupe_key: key,
    lead_id: leadId,
    payload: goal === null ? null : JSON.stringify(goal),
    state: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_owner: null,
    lease_expires_at: null,
    created_at: now,
    done_at: null,
    last_error: null,
  };
}

/** A lead's deliveries: keyed by its id (the webhook's Idempotency-Key); no DataFast goal without a visitor. */
export function leadDeliveryRows(lead: Pick<Lead, 'id' | 'visitorId'>, targets: readonly DeliveryTarget[], now: number): NewRow[] {
  return DELIVERY_TARGETS.filter((t) => targets.includes(t) && (t !== 'datafast' || lead.visitorId !== null)).map((t) => newRow(t, lead.id, lead.id, null, now));
}

/** Inserts rows whose key is not taken; resolves with how many were. */
export async function insertRows(db: Db, rows: readonly NewRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db
    .insertInto('vo_outbox')
    .values([...rows])
    .onConflict((oc) => oc.columns(['kind', 'dedupe_key']).doNothing())
    .returning('id')
    .execute();
  return inserted.length;
}

/** Queues a goal for DataFast (in the caller's transaction, if `db` is one); false when its key is taken. */
export async function insertGoal(db: Db, { key, goal }: KeyedGoal, now: number): Promise<boolean> {
  return (await insertRows(db, [newRow('datafast', key, null, goal, now)])) === 1;
}

export async function claimOutbox(backend: Backend, kind: OutboxKind, claim: { owner: string; limit: number; leaseMs: number }, now: number): Promise<OutboxEntry[]> {
  const until = now + claim.leaseMs;
  const rows = await backend.db
    .updateTable('vo_outbox')
    .set({ lease_owner: claim.owner, lease_expires_at: until, next_attempt_at: until })
    .where('id', 'in', (eb) => {
      const due = eb
        .selectFrom('vo_outbox')
        .select('id')
        .where('kind', '=', kind)
        .where('state', '=', PENDING)
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(claim.limit);
      return backend.kind === 'postgres' ? due.forUpdate().skipLocked() : due;
    })
    // Still due: on Postgres a row another instance claimed and committed meanwhile is re-checked here.
    .where('next_attempt_at', '<=', now)
    .returning(['id', 'kind', 'dedupe_key', 'lead_id', 'payload', 'attempts', 'created_at'])
    .execute();
  return rows
    .map((r) => ({ id: Number(r.id), kind: r.kind as OutboxKind, key: r.dedupe_key, leadId: r.lead_id, goal: parseGoal(r.payload), attempts: Number(r.attempts), createdAt: Number(r.created_at), leaseUntil: until }))
    .sort((a, b) => a.id - b.id);
}

/**
 * Settles a row this claim holds (owner and lease expiry, as claimed), within the caller's
 * transaction; resolves with the row's kind and lead (so the caller marks the lead delivered in the
 * same transaction), or undefined when the claim no longer holds it (claimed again, freed, settled).
 */
export async function settleRow(trx: Db, { id, leaseUntil }: { id: number; leaseUntil: number }, owner: string, s: OutboxSettlement, now: number): Promise<{ kind: OutboxKind; leadId: string | null } | undefined> {
  const row = await trx
    .updateTable('vo_outbox')
    .set(
      s.state === 'pending'
        ? { attempts: s.attempts, next_attempt_at: s.retryAt, lease_owner: null, lease_expires_at: null, last_error: s.error }
        : { state: s.state, attempts: s.attempts, lease_owner: null, lease_expires_at: null, done_at: now, last_error: s.error },
    )
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('lease_expires_at', '=', leaseUntil)
    .where('state', '=', PENDING)
    .returning(['kind', 'lead_id'])
    .executeTakeFirst();
  return row === undefined ? undefined : { kind: row.kind as OutboxKind, leadId: row.lead_id };
}

export async function releaseLeases(backend: Backend, owner: string | null, now: number): Promise<number> {
  // Only SQLite's single writer may free a lease it does not hold.
  if (owner === null && backend.kind !== 'sqlite') return 0;
  const result = await backend.db
    .updateTable('vo_outbox')
    .set({ lease_owner: null, lease_expires_at: null, next_attempt_at: now })
    .where('state', '=', PENDING)
    .where((eb) => (owner === null ? eb('lease_owner', 'is not', null) : eb('lease_owner', '=', owner)))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function outboxCounts(db: Db, now: number): Promise<OutboxCounts> {
  const counts: OutboxCounts = { datafast: zero(), webhook: zero() };
  const rows = await db
    .selectFrom('vo_outbox')
    .select(['kind', 'state'])
    .select((eb) => [eb.fn.countAll<number>().as('n'), sql<number>`sum(case when lease_expires_at > ${now} then 1 else 0 end)`.as('leased')])
    .where('state', '<>', DELIVERED)
    .groupBy(['kind', 'state'])
    .execute();
  for (const r of rows) {
    const c = r.kind === 'datafast' || r.kind === 'webhook' ? counts[r.kind] : null;
    if (c === null) continue;
    const n = Number(r.n);
    if (r.state === 'pending') {
      const leased = Number(r.leased ?? 0);
      c.inFlight += leased;
      c.queued += n - leased;
    } else if (r.state === 'failed') c.failed += n;
    else if (r.state === 'rejected') c.rejected += n;
  }
  return counts;
}

/** Every outbox row of the leads whose `email_key` is `key` (email-key.ts). */
export async function deleteLeadDeliveries(trx: Db, key: string): Promise<void> {
  await trx
    .deleteFrom('vo_outbox')
    .where('lead_id', 'in', (eb) => eb.selectFrom('vo_leads').select('vo_leads.id').where('email_key', '=', key))
    .execute();
}

function zero(): OutboxCounts[OutboxKind] {
  return { queued: 0, inFlight: 0, failed: 0, rejected: 0 };
}

/** A stored goal, or null when the payload is missing or not one (the sender refuses it). */
function parseGoal(payload: string | null): OutboxGoal | null {
  if (payload === null) return null;
  try {
    const v = JSON.parse(payload) as Partial<OutboxGoal> | null;
    if (typeof v?.visitorId !== 'string' || typeof v.name !== 'string' || typeof v.metadata !== 'object' || v.metadata === null) return null;
    return { visitorId: v.visitorId, name: v.name, metadata: v.metadata };
  } catch {
    return null;
  }
}
