// What an experiment's arms did within the attribution window, as SQL aggregates: conversions and
// orders that fell within `windowMs` of each visitor's exposure, and revenue per currency with the
// sum of squares of each visitor's revenue (what revenue per visitor's variance needs). Nothing is
// kept in memory; each aggregate is one GROUP BY, run together.
//
// An order belongs to an arm when it carries it (`vo_orders.experiments`, the arms the visitor was
// in when the order was first reported): a visitor exposed after buying does not get the order.
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from './backend.js';
import type { ArmMetrics, StoreKind } from './store.js';

export async function experimentMetrics(db: Db, kind: StoreKind, experimentId: string, windowMs: number): Promise<Map<string, ArmMetrics>> {
  const [exposures, conversions, orders] = await Promise.all([
    db.selectFrom('vo_exposures').select((eb) => ['variant_id', eb.fn.countAll<number>().as('n')]).where('experiment_id', '=', experimentId).groupBy('variant_id').execute(),
    conversionsWithin(db, experimentId, windowMs).execute(),
    revenueWithin(db, kind, experimentId, windowMs).execute(),
  ]);
  const metrics = new Map<string, ArmMetrics>();
  const arm = (variant: string): ArmMetrics => {
    let m = metrics.get(variant);
    if (m === undefined) {
      m = { exposures: 0, conversions: 0, orders: 0, revenue: {} };
      metrics.set(variant, m);
    }
    return m;
  };
  for (const row of exposures) arm(row.variant_id).exposures = Number(row.n);
  for (const row of conversions) arm(row.variant_id).conversions = Number(row.n);
  for (const row of orders) {
    const m = arm(row.variant_id);
    m.orders += Number(row.orders);
    if (row.currency !== null) {
      m.revenue[row.currency] = { orders: Number(row.orders), buyers: Number(row.buyers), revenue: Number(row.revenue), revenueSquares: Number(row.squares) };
    }
  }
  return new Map([...metrics].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Conversions within the window per variant: read from the experiment's conversions (few) by
 * their index, each one's exposure looked up by its key, never a pass over all exposures.
 */
export function conversionsWithin(db: Db, experimentId: string, windowMs: number) {
  return db
    .selectFrom('vo_conversions as c')
    .innerJoin('vo_exposures as e', (j) => j.onRef('e.experiment_id', '=', 'c.experiment_id').onRef('e.visitor_id', '=', 'c.visitor_id'))
    .select((eb) => ['c.variant_id', eb.fn.countAll<number>().as('n')])
    .where('c.experiment_id', '=', experimentId)
    .where((eb) => eb('c.at', '<=', eb('e.at', '+', windowMs)))
    .groupBy('c.variant_id');
}

/**
 * Orders and revenue within the window per variant and currency, with Σ (revenue per visitor)²:
 * per visitor and currency first, then per arm. Read from the orders (far fewer than exposures),
 * each one's exposure in this experiment looked up by its key; on SQLite a CROSS JOIN keeps that
 * order, which its planner would otherwise turn round into a pass over every exposure.
 */
export function revenueWithin(db: Db, kind: StoreKind, experimentId: string, windowMs: number) {
  const perVisitor = (kind === 'sqlite' ? db.selectFrom('vo_orders as o').crossJoin('vo_exposures as e') : db.selectFrom('vo_orders as o').innerJoin('vo_exposures as e', 'e.visitor_id', 'o.visitor_id'))
    .select((eb) => ['e.variant_id as variant_id', 'o.currency as currency', eb.fn.countAll<number>().as('orders'), eb.fn.sum<number>(eb.fn.coalesce('o.value', sql.lit(0))).as('revenue')])
    .where('e.experiment_id', '=', experimentId)
    .whereRef('e.visitor_id', '=', 'o.visitor_id')
    .where((eb) => eb('o.at', '<=', eb('e.at', '+', windowMs)))
    .where(carriesArm(kind))
    .groupBy(['e.variant_id', 'e.visitor_id', 'o.currency'])
    .as('v');
  return db
    .selectFrom(perVisitor)
    .select((eb) => [
      'v.variant_id',
      'v.currency',
      eb.fn.countAll<number>().as('buyers'),
      eb.fn.sum<number>('v.orders').as('orders'),
      eb.fn.sum<number>('v.revenue').as('revenue'),
      eb.fn.sum<number>(eb('v.revenue', '*', eb.ref('v.revenue'))).as('squares'),
    ])
    .groupBy(['v.variant_id', 'v.currency']);
}

/** The order `o` carries the arm of the exposure `e` (its experiments JSON has the experiment as a key). */
function carriesArm(kind: StoreKind): Expression<SqlBool> {
  // Experiment ids are [a-z0-9_-] (and the holdout's `_holdout`): nothing to escape in a JSON path.
  return kind === 'postgres'
    ? sql<SqlBool>`(${sql.ref('o.experiments')}::jsonb ->> ${sql.ref('e.experiment_id')}) is not null`
    : sql<SqlBool>`json_extract(${sql.ref('o.experiments')}, '$."' || ${sql.ref('e.experiment_id')} || '"') is not null`;
}

/**
 * For each time, oldest first: the visitor's conversion at that time in every experiment they were
 * exposed to at or before it and had not converted in (INSERT … SELECT, ON CONFLICT DO NOTHING).
 */
export async function convertAt(db: Db, visitorId: string, times: readonly number[]): Promise<string[]> {
  const counted: string[] = [];
  for (const at of [...new Set(times)].sort((a, b) => a - b)) {
    const rows = await db
      .insertInto('vo_conversions')
      .columns(['experiment_id', 'visitor_id', 'variant_id', 'at'])
      .expression((eb) =>
        eb
          .selectFrom('vo_exposures')
          .select(['experiment_id', 'visitor_id', 'variant_id', eb.cast<number>(eb.val(at), 'bigint').as('at')])
          .where('visitor_id', '=', visitorId)
          .where('at', '<=', at),
      )
      .onConflict((oc) => oc.columns(['experiment_id', 'visitor_id']).doNothing())
      .returning('experiment_id')
      .execute();
    counted.push(...rows.map((r) => r.experiment_id).sort());
  }
  return counted;
}
