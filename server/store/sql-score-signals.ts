// The local score's training data in SQL: a visitor's signals at their first exposure (one row
// each, the first kept), and, read back for `visitor-offers fit-score`, each with whether the
// visitor converted afterwards — a conversion counted in an experiment, or an order.
import type { Db } from './backend.js';
import type { ScoreSample } from '../scoring/fit-weights.js';
import { BEHAVIOUR_SIGNALS, type BehaviourSignals } from '../scoring/signals.js';

export async function recordScoreSignals(db: Db, visitorId: string, signals: BehaviourSignals, at: number): Promise<boolean> {
  const inserted = await db
    .insertInto('vo_score_signals')
    .values({ visitor_id: visitorId, signals: JSON.stringify(signals), at })
    .onConflict((oc) => oc.column('visitor_id').doNothing())
    .returning('visitor_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function scoreSamples(db: Db): Promise<ScoreSample[]> {
  const rows = await db
    .selectFrom('vo_score_signals as s')
    .select((eb) => [
      's.visitor_id',
      's.signals',
      's.at',
      eb
        .or([
          eb.exists(eb.selectFrom('vo_conversions as c').select('c.visitor_id').whereRef('c.visitor_id', '=', 's.visitor_id').whereRef('c.at', '>=', 's.at')),
          eb.exists(eb.selectFrom('vo_orders as o').select('o.visitor_id').whereRef('o.visitor_id', '=', 's.visitor_id').whereRef('o.at', '>=', 's.at')),
        ])
        .as('converted'),
    ])
    .orderBy('s.at')
    .orderBy('s.visitor_id')
    .execute();
  const samples: ScoreSample[] = [];
  for (const row of rows) {
    const signals = readSignals(row.signals);
    // A row this version cannot read (written by a later one, or damaged) is left out of the fit.
    if (signals !== null) samples.push({ signals, at: Number(row.at), converted: row.converted === true || Number(row.converted) === 1 });
  }
  return samples;
}

/** The stored JSON as signals, or null when this version cannot read it. */
function readSignals(text: string): BehaviourSignals | null {
  try {
    const parsed = BEHAVIOUR_SIGNALS.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
