// The outbox's worker: one lane per kind of delivery (lane.ts) over the store's outbox rows, started
// once the store is open, with the counts health() and /metrics report.
//
// At start: leases a killed process left are freed (SQLite only, whose data directory's lock
// proves that process gone; on Postgres they expire), and leads that have no delivery queued for a
// configured target get one (older leads, an imported journal, a webhook configured later). At
// close: the lanes stop claiming, the rows being sent get up to the given time to settle, and the
// leases of any still out are freed for the next start or another instance. Nothing is lost: the
// rows stay in the store.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import { errorCode } from '../store/backend.js';
import type { StoreRef } from '../store/store-ref.js';
import type { DeliveryTarget, OutboxCounts, OutboxEntry, OutboxKind, OutboxKindCounts, Store } from '../store/store.js';
import { DELIVERY_BACKOFF, type BackoffPolicy } from './backoff.js';
import { DeliveryLane, type LaneCounters } from './lane.js';
import type { SendResult } from './outcome.js';
import { ThrottledLog } from './throttled-log.js';

export interface LaneSpec {
  kind: OutboxKind;
  send: (entry: OutboxEntry) => Promise<SendResult>;
  pausedUntil?: () => number;
}

export interface OutboxWorkerOptions {
  store: StoreRef;
  /** The kinds this instance delivers (no webhook lane without a webhook URL). */
  lanes: readonly LaneSpec[];
  logger: Logger;
  /** Longer than a send can take (its deadline) with room to settle: no row is sent twice at once. */
  leaseMs: number;
  policy?: BackoffPolicy;
  /** Rows sent at once per kind while healthy. Default 8. */
  batch?: number;
  /** How often an idle lane looks for due rows. Default 1 s. */
  pollMs?: number;
  now?: () => number;
  random?: () => number;
}

/**
 * A kind's rows as the store counts them (every instance's), and what this instance did since
 * start: `delivered`, `retries`, `refused` (rows it settled as rejected), `gaveUp` (as failed).
 */
export type KindStats = OutboxKindCounts & Pick<LaneCounters, 'delivered' | 'retries'> & { refused: number; gaveUp: number };

export interface OutboxStats {
  /** Rows waiting (due, or waiting for their retry), every instance's. */
  queued: number;
  /** Rows leased to a worker now, every instance's. */
  inFlight: number;
  /** Rows given up after their last attempt, kept until the retention prunes them. */
  failed: number;
  /** Rows their target refused for good, kept until the retention prunes them. */
  rejected: number;
  /** Delivered by this instance since it started. */
  delivered: number;
  /** Put back for another try by this instance since it started. */
  retries: number;
  byKind: Record<OutboxKind, KindStats>;
  /** When the store's counts were read (epoch ms), null before the first time. */
  countedAt: number | null;
}

export const DEFAULT_POLL_MS = 1000;
/** How stale the counts in health() may get. */
const COUNTS_INTERVAL_MS = 5000;
/** Counts read less than this ago are reused by a scrape. */
const COUNTS_FRESH_MS = 1000;
const DRAIN_STEP_MS = 50;

const KINDS: readonly OutboxKind[] = ['datafast', 'webhook'];

export class OutboxWorker {
  /** This worker's name on its leases. */
  readonly owner = randomUUID();
  readonly #o: OutboxWorkerOptions;
  readonly #log: ThrottledLog;
  readonly #now: () => number;
  #lanes: DeliveryLane[] = [];
  #counts: OutboxCounts = { datafast: zero(), webhook: zero() };
  #countedAt: number | null = null;
  #counting: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #started: Promise<void> | null = null;
  #closed = false;

  constructor(options: OutboxWorkerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#log = new ThrottledLog(options.logger, this.#now);
  }

  /** Starts the lanes once the store is open (never, if it cannot be). Never rejects. */
  start(leadTargets: readonly DeliveryTarget[]): Promise<void> {
    this.#started ??= this.#o.store.ready.then(
      (store) => this.#begin(store, leadTargets),
      () => undefined, // no store, nothing to deliver: the router reports why
    );
    return this.#started;
  }

  /** Rows were queued: the lanes of `kind` (default: every kind) claim now. */
  kick(kind?: OutboxKind): void {
    for (const lane of this.#lanes) if (kind === undefined || lane.kind === kind) lane.kick();
  }

  /** The counts as last read (at most a few seconds old) and this instance's counters; never waits. */
  stats(): OutboxStats {
    if (this.#countedAt === null || this.#now() - this.#countedAt >= COUNTS_INTERVAL_MS) void this.refresh();
    return this.#stats();
  }

  /**
   * The counts read from the store no longer than `maxAgeMs` ago (default 1 s: scrapes share a
   * read); never rejects (a failed read keeps the last ones).
   */
  async refresh(maxAgeMs = COUNTS_FRESH_MS): Promise<OutboxStats> {
    const store = this.#o.store.current;
    if (store === null || (this.#countedAt !== null && this.#now() - this.#countedAt < maxAgeMs)) return this.#stats();
    if (this.#counting !== null && maxAgeMs > 0) {
      // A read under way is fresh enough: callers share it.
      await this.#counting;
      return this.#stats();
    }
    // Asked for counts from now: after the read under way (it may have missed the latest writes).
    const counting: Promise<void> = (this.#counting ?? Promise.resolve()).then(() => this.#count(store));
    this.#counting = counting;
    await counting;
    if (this.#counting === counting) this.#counting = null;
    return this.#stats();
  }

  /**
   * Resolves when no row is queued or in flight (retries waiting for their time count as queued),
   * or after `timeoutMs`, whichever comes first: read stats() to tell them apart.
   */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // No store, nothing to deliver.
    if ((await this.#o.store.ready.catch(() => null)) === null) return;
    for (;;) {
      const s = await this.refresh(0);
      if (s.queued + s.inFlight === 0 && this.#lanes.every((l) => l.idle())) return;
      if (Date.now() >= deadline) return;
      this.kick();
      await new Promise((resolve) => setTimeout(resolve, DRAIN_STEP_MS));
    }
  }

  /** Stops claiming; rows being sent get up to `timeoutMs` to settle; leases still out are freed. */
  async close(timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.#started;
    let timer: NodeJS.Timeout | undefined;
    const stopped = Promise.all(this.#lanes.map((l) => l.stop()));
    await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, timeoutMs))))]);
    clearTimeout(timer);
    const store = this.#o.store.current;
    await store?.releaseOutboxLeases(this.owner).catch((err: unknown) => this.#o.logger.warn({ code: errorCode(err) }, 'outbox: could not free the leases at close; they expire by themselves'));
  }

  async #begin(store: Store, leadTargets: readonly DeliveryTarget[]): Promise<void> {
    if (this.#closed) return;
    const log = this.#o.logger;
    try {
      const freed = await store.releaseOutboxLeases(null);
      if (freed > 0) log.info({ rows: freed }, 'outbox: deliveries a stopped process had in hand are queued again');
    } catch (err) {
      log.warn({ code: errorCode(err) }, 'outbox: could not free old leases; they expire by themselves');
    }
    for (const target of leadTargets) {
      try {
        const queued = await store.enqueueUndeliveredLeads(target);
        if (queued > 0) log.info({ target, leads: queued }, 'outbox: queued the delivery of stored leads that had none');
      } catch (err) {
        log.warn({ target, code: errorCode(err) }, 'outbox: could not queue the delivery of older leads; tried again at the next start');
      }
    }
    if (this.#closed) return;
    const o = this.#o;
    this.#lanes = o.lanes.map(
      (spec) =>
        new DeliveryLane({
          kind: spec.kind,
          send: spec.send,
          pausedUntil: spec.pausedUntil,
          store,
          owner: this.owner,
          policy: o.policy ?? DELIVERY_BACKOFF,
          leaseMs: o.leaseMs,
          batch: o.batch ?? 8,
          pollMs: o.pollMs ?? DEFAULT_POLL_MS,
          log: this.#log,
          now: this.#now,
          random: o.random ?? Math.random,
        }),
    );
    for (const lane of this.#lanes) lane.start();
    this.#timer = setInterval(() => void this.refresh(), COUNTS_INTERVAL_MS);
    this.#timer.unref();
    await this.refresh();
  }

  async #count(store: Store): Promise<void> {
    try {
      this.#counts = await store.outboxCounts();
      this.#countedAt = this.#now();
    } catch (err) {
      this.#log.warn('counts:store', { code: errorCode(err) }, 'outbox: could not count the queued deliveries; the last counts stand');
    }
  }

  #stats(): OutboxStats {
    const byKind = {} as Record<OutboxKind, KindStats>;
    const total = { queued: 0, inFlight: 0, failed: 0, rejected: 0, delivered: 0, retries: 0 };
    for (const kind of KINDS) {
      const lane = this.#lanes.find((l) => l.kind === kind)?.counters();
      const counts = this.#counts[kind];
      const s: KindStats = { ...counts, delivered: lane?.delivered ?? 0, retries: lane?.retries ?? 0, refused: lane?.rejected ?? 0, gaveUp: lane?.failed ?? 0 };
      byKind[kind] = s;
      for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += s[key];
    }
    return { ...total, byKind, countedAt: this.#countedAt };
  }
}

function zero(): OutboxKindCounts {
  return { queued: 0, inFlight: 0, failed: 0, rejected: 0 };
}
