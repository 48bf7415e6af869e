// The journal the store kept before SQL (data/visitor-offers.jsonl), imported once: every record
// applied in file order, with the rules the journal's replay had (first wins; deliveries of
// unknown leads and conversions of unexposed visitors ignored; a backend order supersedes the
// page's), inside ONE transaction, then the file is renamed `…jsonl.imported-<time>` so the next
// start does not import it again. A crash before the rename imports it again on the next start;
// every insert skips what is already there, so that changes nothing. Records are read and
// written in batches: memory does not grow with the journal.
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backend, Db } from './backend.js';
import { emailKey } from './email-key.js';
import { JOURNAL_FILE, readJournal } from './journal.js';
import { convert } from './sql-orders.js';
import { ORDER_SOURCES, type OrderSource } from './store.js';

export type ImportCounts = Record<'leads' | 'delivered' | 'firstExposures' | 'exposures' | 'conversions' | 'coupons' | 'orders' | 'ignored', number>;

export interface ImportResult {
  /** The renamed journal. */
  renamedTo: string;
  counts: ImportCounts;
  /** Bytes of an unterminated last line left out (a crash mid-write). */
  tornBytes: number;
}

const BATCH = 500;

/** Imports `dataDir`'s journal if there is one; null when there is none. */
export async function importJournal(backend: Backend, dataDir: string, now: () => number = Date.now): Promise<ImportResult | null> {
  const path = join(dataDir, JOURNAL_FILE);
  const counts: ImportCounts = { leads: 0, delivered: 0, firstExposures: 0, exposures: 0, conversions: 0, coupons: 0, orders: 0, ignored: 0 };
  let read: { tornBytes: number };
  try {
    read = await backend.durable(async (trx) => {
      const batcher = new Batcher(trx, counts);
      const result = await readJournal(path, (value) => batcher.apply(value));
      await batcher.flush();
      return result;
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const renamedTo = `${path}.imported-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
  await rename(path, renamedTo);
  return { renamedTo, counts, tornBytes: read.tornBytes };
}

type Pending =
  | { kind: 'lead'; rows: Array<{ id: string; email: string; email_key: string; offer_id: string; visitor_id: string | null; at: number; delivered_datafast: number; delivered_webhook: number }> }
  | { kind: 'first'; rows: Array<{ offer_id: string; visitor_id: string; at: number }> }
  | { kind: 'exposure'; rows: Array<{ experiment_id: string; variant_id: string; visitor_id: string; at: number }> };

/** Applies records in order, writing runs of leads, first exposures and exposures as multi-row inserts. */
class Batcher {
  #pending: Pending | null = null;

  constructor(
    private readonly trx: Db,
    private readonly counts: ImportCounts,
  ) {}

  async apply(value: unknown): Promise<void> {
    if (!isObject(value)) throw new Error('malformed record: not a JSON object');
    const t = value['t'];
    switch (t) {
      case 'lead': {
        const email = field(value, t, 'email', isString);
        return this.#add('lead', {
          id: field(value, t, 'id', isNonEmptyString),
          email,
          email_key: emailKey(email),
          offer_id: field(value, t, 'offerId', isString),
          visitor_id: field(value, t, 'visitorId', isStringOrNull),
          at: field(value, t, 'at', isFiniteNumber),
          delivered_datafast: 0,
          delivered_webhook: 0,
        });
      }
      case 'first-exposure':
        return this.#add('first', { offer_id: field(value, t, 'offerId', isString), visitor_id: field(value, t, 'visitorId', isString), at: field(value, t, 'at', isFiniteNumber) });
      case 'exposure':
        return this.#add('exposure', {
          experiment_id: field(value, t, 'experimentId', isString),
          variant_id: field(value, t, 'variantId', isString),
          visitor_id: field(value, t, 'visitorId', isString),
          at: field(value, t, 'at', isFiniteNumber),
        });
      case 'delivered': {
        const id = field(value, t, 'id', isString);
        const target = field(value, t, 'target', isString);
        await this.flush();
        if (target !== 'datafast' && target !== 'webhook') return void (this.counts.ignored += 1);
        const column = target === 'datafast' ? 'delivered_datafast' : 'delivered_webhook';
        const done = await this.trx.updateTable('vo_leads').set(column, 1).where('id', '=', id).executeTakeFirst();
        if (Number(done.numUpdatedRows) > 0) this.counts.delivered += 1;
        else this.counts.ignored += 1;
        return;
      }
      case 'conversion': {
        const experimentId = field(value, t, 'experimentId', isString);
        const visitorId = field(value, t, 'visitorId', isString);
        const at = field(value, t, 'at', isFiniteNumber);
        await this.flush();
        this.counts.conversions += (await convert(this.trx, visitorId, [experimentId], at)).length;
        return;
      }
      case 'coupon': {
        const row = { offer_id: field(value, t, 'offerId', isString), visitor_id: field(value, t, 'visitorId', isString), code: field(value, t, 'code', isString), claimed_at: field(value, t, 'at', isFiniteNumber) };
        await this.flush();
        // Generation 0: held, in no pool until the offer's pool file is loaded (which keeps the holder).
        const done = await this.trx.insertInto('vo_coupon_codes').values({ ...row, position: 0, generation: 0 }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
        this.counts.coupons += Number(done.numInsertedOrUpdatedRows ?? 0n) > 0 ? 1 : 0;
        return;
      }
      case 'order':
        await this.flush();
        return this.#order({
          orderId: field(value, t, 'orderId', isNonEmptyString),
          visitorId: field(value, t, 'visitorId', isNonEmptyString),
          value: field(value, t, 'value', isFiniteNumberOrNull),
          currency: field(value, t, 'currency', isStringOrNull),
          source: field(value, t, 'source', isOrderSource),
          at: field(value, t, 'at', isFiniteNumber),
          experiments: field(value, t, 'experiments', isStringRecord),
        });
      default:
        if (typeof t !== 'string') throw new Error('malformed record: no string "t" (type) field');
        // A record type from a newer version: ignored, as the journal's replay did.
        this.counts.ignored += 1;
    }
  }

  async flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = null;
    if (pending === null || pending.rows.length === 0) return;
    if (pending.kind === 'lead') {
      const done = await this.trx.insertInto('vo_leads').values(pending.rows).onConflict((oc) => oc.column('id').doNothing()).returning('id').execute();
      this.counts.leads += done.length;
    } else if (pending.kind === 'first') {
      // Within one batch the first record of a key must win: keep the first of each.
      const rows = firstOfEach(pending.rows, (r) => `${r.offer_id}\n${r.visitor_id}`);
      const done = await this.trx.insertInto('vo_first_exposures').values(rows).onConflict((oc) => oc.columns(['offer_id', 'visitor_id']).doNothing()).returning('at').execute();
      this.counts.firstExposures += done.length;
    } else {
      const rows = firstOfEach(pending.rows, (r) => `${r.experiment_id}\n${r.visitor_id}`);
      const done = await this.trx.insertInto('vo_exposures').values(rows).onConflict((oc) => oc.columns(['experiment_id', 'visitor_id']).doNothing()).returning('at').execute();
      this.counts.exposures += done.length;
    }
  }

  async #add<K extends Pending['kind']>(kind: K, row: Extract<Pending, { kind: K }>['rows'][number]): Promise<void> {
    if (this.#pending !== null && this.#pending.kind !== kind) await this.flush();
    this.#pending ??= { kind, rows: [] } as Pending;
    (this.#pending.rows as Array<typeof row>).push(row);
    if (this.#pending.rows.length >= BATCH) await this.flush();
  }

  /** The journal's order rules (sql-orders.ts), with the record's own time and arms. */
  async #order(o: { orderId: string; visitorId: string; value: number | null; currency: string | null; source: OrderSource; at: number; experiments: Record<string, string> }): Promise<void> {
    const rows = await this.trx.selectFrom('vo_orders').select(['scope', 'visitor_id']).where('order_id', '=', o.orderId).where('scope', 'in', ['', o.visitorId]).execute();
    const backend = rows.find((r) => r.scope === '');
    const page = rows.find((r) => r.scope === o.visitorId);
    if (backend?.visitor_id === o.visitorId || (o.source === 'backend' && backend !== undefined) || (o.source === 'page' && page !== undefined)) {
      this.counts.ignored += 1;
      return;
    }
    if (o.source === 'backend' && page !== undefined) await this.trx.deleteFrom('vo_orders').where('scope', '=', o.visitorId).where('order_id', '=', o.orderId).execute();
    const scope = o.source === 'backend' ? '' : o.visitorId;
    await this.trx
      .insertInto('vo_orders')
      .values({ scope, order_id: o.orderId, visitor_id: o.visitorId, source: o.source, value: o.value, currency: o.currency, at: o.at, experiments: JSON.stringify(o.experiments) })
      .execute();
    this.counts.orders += 1;
    this.counts.conversions += (await convert(this.trx, o.visitorId, Object.keys(o.experiments), o.at)).length;
  }
}

function firstOfEach<T>(rows: T[], key: (row: T) => string): T[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const k = key(row);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
const isString = (value: unknown): value is string => typeof value === 'string';
const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isStringOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isFiniteNumberOrNull = (value: unknown): value is number | null => value === null || isFiniteNumber(value);
const isOrderSource = (value: unknown): value is OrderSource => (ORDER_SOURCES as readonly unknown[]).includes(value);
const isStringRecord = (value: unknown): value is Record<string, string> => isObject(value) && Object.values(value).every(isString);

function field<T>(record: Record<string, unknown>, type: string, name: string, check: (value: unknown) => value is T): T {
  const value = record[name];
  if (!check(value)) throw new Error(`malformed "${type}" record: bad or missing field "${name}"`);
  return value;
}
