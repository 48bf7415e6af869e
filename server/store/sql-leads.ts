// Leads in SQL. New leads are grouped: every lead submitted while the previous commit is being
// made (or in the same turn of the event loop) is written by the next one, in one durable
// transaction — one fsync for the group, not one per lead — with each lead's deliveries queued in
// the outbox (sql-outbox.ts) by the same transaction: a lead stored is a lead that will be
// delivered. A group that fails rejects each of its leads (none of them is stored).
import { randomUUID } from 'node:crypto';
import type { Backend, Db } from './backend.js';
import { emailKey } from './email-key.js';
import type { LeadsTable } from './schema.js';
import { deleteLeadDeliveries, insertRows, leadDeliveryRows } from './sql-outbox.js';
import type { DeliveryTarget, Lead, PendingLead } from './store.js';
import { DELIVERY_TARGETS } from './store.js';

/** Leads written in one transaction at most. */
const MAX_GROUP = 500;
/** Leads looked at per transaction when queueing old leads' deliveries. */
const LEAD_PAGE = 500;

interface Waiting {
  lead: Lead;
  deliverTo: readonly DeliveryTarget[];
  resolve: (lead: Lead) => void;
  reject: (err: unknown) => void;
}

type LeadRow = Pick<LeadsTable, 'id' | 'email' | 'offer_id' | 'visitor_id' | 'at' | 'delivered_datafast' | 'delivered_webhook'> & { seq: number };

const COLUMNS = ['seq', 'id', 'email', 'offer_id', 'visitor_id', 'at', 'delivered_datafast', 'delivered_webhook'] as const;

export const DELIVERED_COLUMN = { datafast: 'delivered_datafast', webhook: 'delivered_webhook' } as const;

export class LeadWriter {
  readonly #backend: Backend;
  readonly #now: () => number;
  readonly #failed: (err: unknown) => void;
  #waiting: Waiting[] = [];
  #scheduled = false;
  readonly #flushing = new Set<Promise<void>>();

  /** `failed` is told of each group that could not be written (for the store's failure count). */
  constructor(backend: Backend, now: () => number, failed: (err: unknown) => void) {
    this.#backend = backend;
    this.#now = now;
    this.#failed = failed;
  }

  add(input: { email: string; offerId: string; visitorId: string | null }, deliverTo: readonly DeliveryTarget[]): Promise<Lead> {
    const lead: Lead = { id: randomUUID(), email: input.email, offerId: input.offerId, visitorId: input.visitorId, at: this.#now(), delivered: { datafast: false, webhook: false } };
    return new Promise<Lead>((resolve, reject) => {
      this.#waiting.push({ lead, deliverTo, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once every lead added so far is written or refused. */
  async settled(): Promise<void> {
    while (this.#waiting.length > 0 || this.#flushing.size > 0) {
      if (this.#waiting.length > 0 && !this.#scheduled) this.#schedule();
      await Promise.all([...this.#flushing, new Promise((r) => setImmediate(r))]);
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // After the current I/O phase: every lead whose request arrived with this one joins the group.
    setImmediate(() => {
      this.#scheduled = false;
      const group = this.#waiting.splice(0, MAX_GROUP);
      if (this.#waiting.length > 0) this.#schedule();
      if (group.length === 0) return;
      const flush = this.#write(group).finally(() => this.#flushing.delete(flush));
      this.#flushing.add(flush);
    });
  }

  async #write(group: Waiting[]): Promise<void> {
    try {
      await this.#backend.durable(async (trx) => {
        await trx
          .insertInto('vo_leads')
          .values(group.map(({ lead }) => ({ id: lead.id, email: lead.email, email_key: emailKey(lead.email), offer_id: lead.offerId, visitor_id: lead.visitorId, at: lead.at, delivered_datafast: 0, delivered_webhook: 0 })))
          .execute();
        await insertRows(trx, group.flatMap(({ lead, deliverTo }) => leadDeliveryRows(lead, deliverTo, lead.at)));
      });
    } catch (err) {
      this.#failed(err);
      for (const w of group) w.reject(err);
      return;
    }
    for (const w of group) w.resolve(copy(w.lead));
  }
}

export async function leadById(db: Db, leadId: string): Promise<Lead | undefined> {
  const row = await db.selectFrom('vo_leads').select(COLUMNS).where('id', '=', leadId).executeTakeFirst();
  if (row === undefined) return undefined;
  const { seq: _seq, ...lead } = toLead(row);
  return lead;
}

export async function pendingLeads(db: Db, targets: readonly DeliveryTarget[], afterSeq: number, limit: number): Promise<PendingLead[]> {
  const wanted = DELIVERY_TARGETS.filter((t) => targets.includes(t));
  if (wanted.length === 0) return [];
  const rows = await db
    .selectFrom('vo_leads')
    .select(COLUMNS)
    .where('seq', '>', afterSeq)
    .where((eb) => eb.or(wanted.map((t) => eb(DELIVERED_COLUMN[t], '=', 0))))
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toLead);
}

export async function pendingLeadCount(db: Db, targets: readonly DeliveryTarget[]): Promise<number> {
  const wanted = DELIVERY_TARGETS.filter((t) => targets.includes(t));
  if (wanted.length === 0) return 0;
  const row = await db
    .selectFrom('vo_leads')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or(wanted.map((t) => eb(DELIVERED_COLUMN[t], '=', 0))))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Settings key of the last lead seq whose `target` delivery was looked at. */
const leadMark = (target: DeliveryTarget): string => `outbox.leads-queued-through.${target}`;

/**
 * Queues a `target` delivery for each lead not delivered there, past the last one looked at (so
 * each lead is looked at once per target), a page per transaction; a lead with one queued already
 * keeps it. Resolves with how many were queued.
 */
export async function enqueueUndeliveredLeads(backend: Backend, target: DeliveryTarget, now: () => number): Promise<number> {
  let queued = 0;
  for (;;) {
    const more = await backend.transaction(async (trx) => {
      const mark = Number((await trx.selectFrom('vo_settings').select('value').where('key', '=', leadMark(target)).executeTakeFirst())?.value ?? 0);
      const page = await pendingLeads(trx, [target], mark, LEAD_PAGE);
      const last = page.at(-1);
      if (last === undefined) return false;
      queued += await insertRows(trx, page.flatMap((lead) => leadDeliveryRows(lead, [target], now())));
      const value = String(last.seq);
      const updated_at = now();
      await trx.insertInto('vo_settings').values({ key: leadMark(target), value, updated_at }).onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at })).execute();
      return page.length === LEAD_PAGE;
    });
    if (!more) return queued;
  }
}

/** Marks the lead delivered to `target` within the caller's transaction (idempotent). */
export async function setDelivered(trx: Db, leadId: string, target: DeliveryTarget): Promise<void> {
  await trx.updateTable('vo_leads').set(DELIVERED_COLUMN[target], 1).where('id', '=', leadId).execute();
}

/** Marks the lead delivered to `target` (idempotent). Rejects for an unknown lead. */
export async function markDelivered(backend: Backend, leadId: string, target: DeliveryTarget): Promise<void> {
  if (!DELIVERY_TARGETS.includes(target)) throw new RangeError(`unknown delivery target ${String(target)}`);
  const column = DELIVERED_COLUMN[target];
  const found = await backend.transaction((trx) => trx.updateTable('vo_leads').set(column, 1).where('id', '=', leadId).returning('seq').executeTakeFirst());
  if (found === undefined) throw new Error(`unknown lead ${leadId}`);
}

/**
 * Deletes the leads of an email (any case, compared by emailKey) and their outbox rows, in one
 * transaction, then lets the backend scrub what a delete leaves on disk (SQLite's WAL); resolves
 * with how many leads.
 */
export async function deleteLeadsByEmail(backend: Backend, email: string): Promise<number> {
  const key = emailKey(email);
  const deleted = await backend.durable(async (trx) => {
    await deleteLeadDeliveries(trx, key);
    const result = await trx.deleteFrom('vo_leads').where('email_key', '=', key).executeTakeFirst();
    return Number(result.numDeletedRows);
  });
  // Also when nothing was deleted: running the command again finishes a scrub that was refused.
  await backend.afterErasure();
  return deleted;
}

function toLead(row: LeadRow): PendingLead {
  return {
    id: row.id,
    email: row.email,
    offerId: row.offer_id,
    visitorId: row.visitor_id,
    at: Number(row.at),
    delivered: { datafast: Number(row.delivered_datafast) === 1, webhook: Number(row.delivered_webhook) === 1 },
    seq: Number(row.seq),
  };
}

function copy(lead: Lead): Lead {
  return { ...lead, delivered: { ...lead.delivered } };
}
