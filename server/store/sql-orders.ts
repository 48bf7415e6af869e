// Orders in SQL, each the conversion of one visitor, kept so that a repeated report of the same
// order (a retried webhook, a reloaded thank-you page) counts nothing twice, and so that revenue
// can be read per experiment arm.
//
// Who may claim an order id. The backend's report is authenticated; a page's is not (anyone can
// post one with a forged cookie). So:
// - Only the backend's reports share the site's order-id namespace (`scope` ''): the first backend
//   report of an id wins, the same id for another visitor is a conflict (409 on POST /conversions).
// - A page speaks only for its own cookie's visitor: its orders are keyed by (visitor, order id)
//   (`scope` = the visitor), never conflict, and tell nobody whether an id exists for someone else.
// - The backend always wins: its report of an order this visitor's page already reported
//   supersedes the page's (the page's row is replaced in the same transaction, keeping its arms);
//   the page's later reports of it are duplicates.
// Concurrent reports (one process or several on one Postgres) are settled by the primary key: the
// insert that finds its key taken re-reads what won.
import type { Backend, Db } from './backend.js';
import type { OrdersTable } from './schema.js';
import { ORDER_SOURCES, type Order, type OrderOutcome, type OrderReport, type OrderSource } from './store.js';

const BACKEND_SCOPE = '';

/** `onNew` runs in the transaction that stores a new order (its goal is queued there). */
export async function recordOrder(backend: Backend, report: OrderReport, at: number, onNew?: (trx: Db) => Promise<unknown>): Promise<OrderOutcome> {
  return backend.durable(async (trx) => {
    // Twice at most: a second pass only after another report of this order won the race.
    for (let attempt = 0; ; attempt++) {
      const rows = await ordersWithId(trx, report.orderId, report.visitorId);
      const backendOrder = rows.find((r) => r.scope === BACKEND_SCOPE);
      if (backendOrder !== undefined && backendOrder.visitor_id === report.visitorId) return { status: 'duplicate', order: toOrder(backendOrder) };
      if (report.source === 'backend' && backendOrder !== undefined) return { status: 'conflict' };
      const page = rows.find((r) => r.scope === report.visitorId);
      if (report.source === 'page' && page !== undefined) return { status: 'duplicate', order: toOrder(page) };
      // Superseding the page's report, the order keeps the arms the visitor was in when the page
      // reported it: an exposure between the purchase and a late webhook is not the order's.
      const experiments = page !== undefined ? parseExperiments(page.experiments) : await exposuresOf(trx, report.visitorId);
      const order: Order = { ...report, at, experiments };
      const scope = report.source === 'backend' ? BACKEND_SCOPE : report.visitorId;
      const inserted = await trx
        .insertInto('vo_orders')
        .values({ scope, order_id: order.orderId, visitor_id: order.visitorId, source: order.source, value: order.value, currency: order.currency, at, experiments: JSON.stringify(experiments) })
        .onConflict((oc) => oc.columns(['scope', 'order_id']).doNothing())
        .returning('order_id')
        .executeTakeFirst();
      if (inserted === undefined) {
        if (attempt > 0) throw new Error(`order ${report.orderId}: its key is taken but cannot be read`);
        continue;
      }
      if (report.source === 'backend' && page !== undefined) {
        await trx.deleteFrom('vo_orders').where('scope', '=', report.visitorId).where('order_id', '=', report.orderId).execute();
      }
      const counted = await convert(trx, report.visitorId, Object.keys(experiments), at);
      await onNew?.(trx);
      return { status: 'new', order, counted };
    }
  });
}

/** The visitor's order with this id (the backend's report, else the page's); without a visitor, the backend's. */
export async function orderById(db: Db, orderId: string, visitorId?: string): Promise<Order | undefined> {
  const rows = await ordersWithId(db, orderId, visitorId);
  const backendOrder = rows.find((r) => r.scope === BACKEND_SCOPE);
  if (visitorId === undefined || backendOrder?.visitor_id === visitorId) return backendOrder && toOrder(backendOrder);
  const page = rows.find((r) => r.scope === visitorId);
  return page && toOrder(page);
}

function ordersWithId(db: Db, orderId: string, visitorId: string | undefined): Promise<OrdersTable[]> {
  const scopes = visitorId === undefined ? [BACKEND_SCOPE] : [BACKEND_SCOPE, visitorId];
  return db.selectFrom('vo_orders').selectAll().where('order_id', '=', orderId).where('scope', 'in', scopes).execute();
}

/** Every experiment the visitor was exposed to, with their variant, oldest exposure first. */
export async function exposuresOf(db: Db, visitorId: string): Promise<Record<string, string>> {
  const rows = await db.selectFrom('vo_exposures').select(['experiment_id', 'variant_id']).where('visitor_id', '=', visitorId).orderBy('at').orderBy('experiment_id').execute();
  return Object.fromEntries(rows.map((r) => [r.experiment_id, r.variant_id]));
}

/**
 * Counts the visitor's conversion in each of `experiments` they were exposed to and had not
 * converted in yet (one statement: INSERT … SELECT from their exposures, ON CONFLICT DO NOTHING).
 * Resolves with those counted now, in the order given.
 */
export async function convert(db: Db, visitorId: string, experiments: readonly string[] | null, at: number): Promise<string[]> {
  if (experiments !== null && experiments.length === 0) return [];
  const rows = await db
    .insertInto('vo_conversions')
    .columns(['experiment_id', 'visitor_id', 'variant_id', 'at'])
    .expression((eb) =>
      eb
        .selectFrom('vo_exposures')
        .select(['experiment_id', 'visitor_id', 'variant_id', eb.cast<number>(eb.val(at), 'bigint').as('at')])
        .where('visitor_id', '=', visitorId)
        .$if(experiments !== null, (qb) => qb.where('experiment_id', 'in', experiments ?? [])),
    )
    .onConflict((oc) => oc.columns(['experiment_id', 'visitor_id']).doNothing())
    .returning('experiment_id')
    .execute();
  const counted = new Set(rows.map((r) => r.experiment_id));
  return (experiments ?? [...counted].sort()).filter((id) => counted.has(id));
}

export async function orderCount(db: Db): Promise<number> {
  const row = await db.selectFrom('vo_orders').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

function toOrder(row: OrdersTable): Order {
  return {
    orderId: row.order_id,
    visitorId: row.visitor_id,
    value: row.value === null ? null : Number(row.value),
    currency: row.currency,
    source: isSource(row.source) ? row.source : 'page',
    at: Number(row.at),
    experiments: parseExperiments(row.experiments),
  };
}

function isSource(value: string): value is OrderSource {
  return (ORDER_SOURCES as readonly string[]).includes(value);
}

function parseExperiments(text: string): Record<string, string> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
