// Retention: rows older than the retention period are deleted with SQL, in batches (a batch is
// one short statement, so a first prune of a long history never holds the database for long), on
// a timer that never keeps the process alive and that close() stops. Leads are kept until deleted
// (`visitor-offers leads delete`); claimed coupon codes are kept (a code is never handed out twice);
// outbox rows go once finished (delivered, rejected, failed) for longer than the period, pending
// ones never.
import type { Db } from './backend.js';
import type { PruneCounts } from './store.js';

export const DAY_MS = 86_400_000;
export const DEFAULT_RETENTION_DAYS = 400;
/** How often the pruning runs. */
export const PRUNE_INTERVAL_MS = 6 * 3_600_000;
/** Rows deleted per statement. */
const BATCH = 5000;

/** Deletes rows older than `before` (ms epoch) from every table that has a retention. */
export async function prune(db: Db, before: number, batch = BATCH): Promise<PruneCounts> {
  const counts: PruneCounts = { exposures: 0, conversions: 0, firstExposures: 0, orders: 0, outbox: 0, visitorChecks: 0, enrolments: 0, scoreSignals: 0 };
  counts.exposures = await repeat(() =>
    db
      .deleteFrom('vo_exposures')
      .where(({ eb, refTuple, selectFrom }) =>
        eb(refTuple('experiment_id', 'visitor_id'), 'in', selectFrom('vo_exposures').select(['experiment_id', 'visitor_id']).where('at', '<', before).limit(batch).$asTuple('experiment_id', 'visitor_id')),
      )
      .executeTakeFirst(),
    batch,
  );
  counts.conversions = await repeat(() =>
    db
      .deleteFrom('vo_conversions')
      .where(({ eb, refTuple, selectFrom }) =>
        eb(refTuple('experiment_id', 'visitor_id'), 'in', selectFrom('vo_conversions').select(['experiment_id', 'visitor_id']).where('at', '<', before).limit(batch).$asTuple('experiment_id', 'visitor_id')),
      )
      .executeTakeFirst(),
    batch,
  );
  counts.firstExposures = await repeat(() =>
    db
      .deleteFrom('vo_first_exposures')
      .where(({ eb, refTuple, selectFrom }) =>
        eb(refTuple('offer_id', 'visitor_id'), 'in', selectFrom('vo_first_exposures').select(['offer_id', 'visitor_id']).where('at', '<', before).limit(batch).$asTuple('offer_id', 'visitor_id')),
      )
      .executeTakeFirst(),
    batch,
  );
  counts.orders = await repeat(() =>
    db
      .deleteFrom('vo_orders')
      .where(({ eb, refTuple, selectFrom }) =>
        eb(refTuple('scope', 'order_id'), 'in', selectFrom('vo_orders').select(['scope', 'order_id']).where('at', '<', before).limit(batch).$asTuple('scope', 'order_id')),
      )
      .executeTakeFirst(),
    batch,
  );
  // done_at is null while pending: those never match.
  counts.outbox = await repeat(
    () => db.deleteFrom('vo_outbox').where('id', 'in', (eb) => eb.selectFrom('vo_outbox').select('id').where('done_at', '<', before).limit(batch)).executeTakeFirst(),
    batch,
  );
  // A visitor who converted otherwise (a lead) is never claimed again: their row goes here.
  counts.visitorChecks = await repeat(
    () =>
      db
        .deleteFrom('vo_visitor_checks')
        .where('visitor_id', 'in', (eb) => eb.selectFrom('vo_visitor_checks').select('visitor_id').where('updated_at', '<', before).limit(batch))
        .executeTakeFirst(),
    batch,
  );
  // A bandit's enrolment goes with its exposure's age: past the retention nobody reads either.
  counts.enrolments = await repeat(() =>
    db
      .deleteFrom('vo_enrolments')
      .where(({ eb, refTuple, selectFrom }) =>
        eb(refTuple('experiment_id', 'visitor_id'), 'in', selectFrom('vo_enrolments').select(['experiment_id', 'visitor_id']).where('at', '<', before).limit(batch).$asTuple('experiment_id', 'visitor_id')),
      )
      .executeTakeFirst(),
    batch,
  );
  // The local score's samples age like the exposures they were taken at.
  counts.scoreSignals = await repeat(
    () =>
      db
        .deleteFrom('vo_score_signals')
        .where('visitor_id', 'in', (eb) => eb.selectFrom('vo_score_signals').select('visitor_id').where('at', '<', before).limit(batch))
        .executeTakeFirst(),
    batch,
  );
  return counts;
}

async function repeat(deleteBatch: () => Promise<{ numDeletedRows: bigint }>, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = Number((await deleteBatch()).numDeletedRows);
    total += deleted;
    if (deleted < batch) return total;
    // Let requests in between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface RetentionTimerOptions {
  /** Days rows are kept; null: never pruned. */
  days: number | null;
  run: (before: number) => Promise<PruneCounts>;
  /** Told what each pass removed, or why it failed. */
  report: (result: { counts: PruneCounts } | { error: unknown }) => void;
  intervalMs?: number;
  now?: () => number;
}

/** Prunes shortly after start and then every interval; stop() cancels. Timers are unref'd. */
export class RetentionTimer {
  readonly #o: RetentionTimerOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(options: RetentionTimerOptions) {
    this.#o = options;
  }

  start(firstDelayMs = 60_000): void {
    if (this.#o.days === null || this.#stopped) return;
    this.#arm(firstDelayMs);
  }

  /** One pass now (also what the timer runs); never rejects. */
  runOnce(): Promise<void> {
    const days = this.#o.days;
    if (days === null) return Promise.resolve();
    this.#running ??= this.#o
      .run((this.#o.now ?? Date.now)() - days * DAY_MS)
      .then(
        (counts) => this.#o.report({ counts }),
        (error: unknown) => this.#o.report({ error }),
      )
      .finally(() => (this.#running = null));
    return this.#running;
  }

  /** Cancels the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => {
      void this.runOnce().then(() => {
        if (!this.#stopped) this.#arm(this.#o.intervalMs ?? PRUNE_INTERVAL_MS);
      });
    }, ms);
    this.#timer.unref();
  }
}
