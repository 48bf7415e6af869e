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
    db
      .selectFrom('vo_exposures as e')
      .innerJoin('vo_conversions as c', (j) => j.onRef('c.experiment_id', '=', 'e.experiment_id').onRef('c.visitor_id', '=', 'e.visitor_id'))
      .select((eb) => ['e.variant_id', eb.fn.countAll<number>().as('n')])
      .where('e.experiment_id', '=', experimentId)
      .where((eb) => eb('c.at', '<=', eb('e.at', '+', windowMs)))
      .groupBy('e.variant_id')
      .execute(),
    // Per visitor and currency first (their revenue), then per arm: Σ revenue and Σ revenue².
    db
      .selectFrom((qb) =>
        qb
          .selectFrom('vo_exposures as e')
          .innerJoin('vo_orders as o', 'o.visitor_id', 'e.visitor_id')
          .select((eb) => [
            'e.variant_id as variant_id',
            'o.currency as currency',
            eb.fn.countAll<number>().as('orders'),
            eb.fn.sum<number>(eb.fn.coalesce('o.value', sql.lit(0))).as('revenue'),
          ])
          .where('e.experiment_id', '=', experimentId)
          .where((eb) => eb('o.at', '<=', eb('e.at', '+', windowMs)))
          .where(carriesArm(kind))
          .groupBy(['e.variant_id', 'e.visitor_id', 'o.currency'])
          .as('v'),
      )
      .select((eb) => [
        'v.variant_id',
        'v.currency',
        eb.fn.countAll<number>().as('buyers'),
        eb.fn.sum<number>('v.orders').as('orders'),
        eb.fn.sum<number>('v.revenue').as('revenue'),
        eb.fn.sum<number>(eb('v.revenue', '*', eb.ref('v.revenue'))).as('squares'),
      ])
      .groupBy(['v.variant_id', 'v.currency'])
      .execute(),
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
