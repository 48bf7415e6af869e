// One kind of delivery (goals for DataFast, or webhook calls) worked off the store's outbox: claim
// the due rows with a lease, send them, settle each with what its target answered. A loop that
// never throws: a failing store or target is logged (throttled.ts) and tried again later.
//
// - Healthy: up to `batch` rows at once, claimed again at once while rows are due; idle, a claim
//   every `pollMs` (rows of other instances, retries coming due) or sooner when kicked.
// - Failing: after a batch where nothing got through, the lane holds for a backoff delay that
//   grows with each such batch, then probes with one row at a time until one gets through — an
//   outage costs one call per delay, not one per queued row.
// - Paused: while the target asked for a pause (`pausedUntil`, DataFast's 429 or open breaker),
//   nothing is claimed; a row answered with a pause goes back without using an attempt.
import type { OutboxEntry, OutboxKind, OutboxSettlement, Store } from '../store/store.js';
import { errorCode } from '../store/backend.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { settlementFor, type SendResult } from './outcome.js';
import type { ThrottledLog } from './throttled-log.js';

export interface LaneOptions {
  kind: OutboxKind;
  store: Store;
  /** This worker's name on its leases. */
  owner: string;
  /** Sends one row; may reject (counted as a failed attempt). */
  send: (entry: OutboxEntry) => Promise<SendResult>;
  /** Until when the target asked not to be called (epoch ms; 0: no pause). */
  pausedUntil?: () => number;
  policy: BackoffPolicy;
  leaseMs: number;
  batch: number;
  pollMs: number;
  log: ThrottledLog;
  now: () => number;
  random: () => number;
}

/** What this lane did since start. */
export interface LaneCounters {
  delivered: number;
  rejected: number;
  /** Given up after their last attempt. */
  failed: number;
  /** Put back for another try (a failed attempt or a pause). */
  retries: number;
  /** Rows this lane is sending now. */
  sending: number;
}

export class DeliveryLane {
  readonly kind: OutboxKind;
  readonly #o: LaneOptions;
  readonly #counters: LaneCounters = { delivered: 0, rejected: 0, failed: 0, retries: 0, sending: 0 };
  /** Batches in a row where nothing got through; 0 while healthy. */
  #failures = 0;
  #holdUntil = 0;
  #storeFailures = 0;
  /** The soonest retry this lane scheduled (epoch ms; 0: none): an idle lane wakes for it. */
  #soonestRetry = 0;
  #loop: Promise<void> | null = null;
  #closed = false;
  #kicked = false;
  #wake: (() => void) | null = null;

  constructor(options: LaneOptions) {
    this.kind = options.kind;
    this.#o = options;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** A row was queued: claim now, unless held or paused. */
  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  counters(): LaneCounters {
    return { ...this.#counters };
  }

  /** True while the lane is sending nothing. */
  idle(): boolean {
    return this.#counters.sending === 0;
  }

  /** Stops claiming; resolves once the rows being sent are settled. */
  async stop(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      let wait: number;
      try {
        wait = await this.#cycle();
      } catch (err) {
        // Not expected (every step catches its own), but a loop that dies delivers nothing.
        this.#o.log.warn(`${this.kind}:loop`, { kind: this.kind, err: err instanceof Error ? err.message : String(err) }, 'outbox: a delivery pass failed; trying again shortly');
        wait = this.#o.pollMs;
      }
      if (this.#closed) return;
      if (wait > 0) await this.#sleep(wait);
    }
  }

  /** One claim and the sends it brought; resolves with how long to wait before the next. */
  async #cycle(): Promise<number> {
    const { store, kind, owner, leaseMs, now } = this.#o;
    const hold = Math.max(this.#holdUntil, this.#o.pausedUntil?.() ?? 0);
    if (hold > now()) return hold - now();
    const limit = this.#failures > 0 ? 1 : this.#o.batch;
    let entries: OutboxEntry[];
    try {
      entries = await store.claimOutbox(kind, { owner, limit, leaseMs });
    } catch (err) {
      this.#storeFailed('claim', err);
      return Math.max(this.#o.pollMs, backoffDelay(this.#o.policy, this.#storeFailures, this.#o.random));
    }
    this.#storeFailures = 0;
    if (entries.length === 0) return this.#idleWait();
    this.#counters.sending += entries.length;
    const results = await Promise.all(entries.map((e) => this.#deliver(e)));
    this.#judge(results);
    return entries.length < limit ? this.#idleWait() : 0;
  }

  /** The poll interval, or less when a retry this lane scheduled comes due sooner. */
  #idleWait(): number {
    const now = this.#o.now();
    if (this.#soonestRetry <= now) {
      this.#soonestRetry = 0;
      return this.#o.pollMs;
    }
    return Math.min(this.#o.pollMs, this.#soonestRetry - now);
  }

  async #deliver(entry: OutboxEntry): Promise<SendResult> {
    const { kind, log } = this.#o;
    let result: SendResult;
    try {
      result = await this.#o.send(entry);
    } catch (err) {
      log.warn(`${kind}:send-error`, { kind, err: err instanceof Error ? err.message : String(err) }, 'outbox: sending a delivery threw; it is retried');
      result = { kind: 'failed', error: 'send-error' };
    }
    const settlement = settlementFor(entry.attempts, result, this.#o.policy, this.#o.now(), this.#o.random);
    this.#count(entry, settlement);
    if (settlement.state === 'pending' && (this.#soonestRetry === 0 || settlement.retryAt < this.#soonestRetry)) this.#soonestRetry = settlement.retryAt;
    try {
      await this.#o.store.settleOutbox(entry, this.#o.owner, settlement);
    } catch (err) {
      // The lease runs out and the row is claimed again: one more delivery, never none.
      this.#storeFailed('settle', err);
    } finally {
      this.#counters.sending -= 1;
    }
    return result;
  }

  #count(entry: OutboxEntry, s: OutboxSettlement): void {
    const { kind, log } = this.#o;
    const c = this.#counters;
    if (s.state === 'delivered') c.delivered += 1;
    else if (s.state === 'pending') {
      c.retries += 1;
      if (s.error !== 'paused') log.warn(`${kind}:retry`, { kind, error: s.error, attempts: s.attempts }, `outbox: a ${kind} delivery failed; it is retried with backoff`);
    } else if (s.state === 'rejected') {
      c.rejected += 1;
      const fields = { kind, error: s.error, lead: entry.leadId ?? undefined };
      // DataFast refuses goals of bots and of visitors without a pageview as a matter of course.
      if (kind === 'datafast') log.debug(`${kind}:refused`, fields, 'outbox: DataFast refused a goal for good; not retried');
      else log.warn(`${kind}:refused`, fields, 'outbox: the lead webhook refused a lead for good (a 4xx); not retried, the lead stays stored');
    } else {
      c.failed += 1;
      log.warn(`${kind}:gave-up`, { kind, error: s.error, attempts: s.attempts, lead: entry.leadId ?? undefined }, `outbox: a ${kind} delivery was given up after its last attempt`);
    }
  }

  /** After a batch: any answer from the target ends a failing spell; nothing through extends it. */
  #judge(results: readonly SendResult[]): void {
    const now = this.#o.now();
    if (results.some((r) => r.kind === 'delivered' || r.kind === 'refused')) {
      this.#failures = 0;
      this.#holdUntil = 0;
    } else if (results.some((r) => r.kind === 'failed')) {
      this.#failures += 1;
      this.#holdUntil = now + backoffDelay(this.#o.policy, this.#failures, this.#o.random);
    }
    for (const r of results) {
      if (r.kind !== 'paused') continue;
      // After a pause, one row probes before a batch goes.
      this.#failures = Math.max(this.#failures, 1);
      this.#holdUntil = Math.max(this.#holdUntil, r.until);
    }
  }

  #storeFailed(op: string, err: unknown): void {
    this.#storeFailures += 1;
    const fields = { kind: this.kind, op, code: errorCode(err) };
    // A send that outlived close() finds the store closed: its row was freed, and is sent again later.
    if (this.#closed) this.#o.log.debug(`${this.kind}:store-closed`, fields, 'outbox: a delivery ended after close; it is sent again after the next start');
    else this.#o.log.warn(`${this.kind}:store`, fields, 'outbox: the store failed; deliveries wait in it and are retried');
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        this.#kicked = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      // A pending delivery never keeps the process alive: the server's socket does, close() ends it.
      timer.unref();
      this.#wake = done;
      if (this.#kicked || this.#closed) done();
    });
  }
}
