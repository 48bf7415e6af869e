// A bounded in-memory queue that delivers goals to DataFast in the background, so a slow or
// failing DataFast never slows down POST /events and a short outage loses nothing.
//
// - Bounded: at most `maxSize` jobs wait. A full queue refuses new jobs: `enqueue` answers false,
//   `dropped` counts them and a warning is logged (at most once a minute). Never silent.
// - In order: jobs are sent oldest first, up to `concurrency` at a time. A job that must be
//   retried goes back in front of newer ones.
// - Backoff: an `unavailable` answer holds the whole queue for an exponential delay with full
//   jitter (random between 0 and min(maxDelayMs, baseDelayMs * 2^(n-1)), n = consecutive
//   failures), and while failures continue only one job is in flight (a probe), so an outage
//   costs one upstream call per delay, not one per queued goal. After `maxAttempts` unavailable
//   answers a job is dropped and counted as `failed`. Any success ends the backoff.
// - Rejected (400/404: bad body, bot, visitor without pageviews) is permanent: counted as
//   `rejected`, logged at debug, never retried.
// - A 429 pause (cause 'paused' or 'rate-limited') is not the job's fault and costs no attempt:
//   the queue waits until `pausedUntil()` (the client's pause) and then carries on.
// - At-least-once: an attempt that timed out may have reached DataFast, and is retried; a goal
//   can then be counted twice. The client never retries a POST itself, so that is the only way.
// Retry timers are unref'd: a pending retry never keeps the process alive (drain() does).
import type { Logger } from 'pino';
import type { GoalResult } from '../datafast/client.js';
import type { GoalMetadata } from '../datafast/goals.js';

export interface GoalJob {
  visitorId: string;
  name: string;
  metadata: GoalMetadata;
}

export interface OutboxStats {
  /** Waiting to be sent (retries included), not in flight. */
  queued: number;
  inFlight: number;
  /** DataFast answered created. */
  sent: number;
  /** DataFast refused them for good (400/404). */
  rejected: number;
  /** Given up after maxAttempts unavailable answers. */
  failed: number;
  /** Refused by enqueue because the queue was full or closed, or still queued at close(). */
  dropped: number;
  /** Sends answered unavailable whose job went back in the queue for another attempt. */
  retries: number;
  /** `maxSize`: at this many queued jobs new ones are dropped. */
  capacity: number;
}

/** Starts a timer; returns the function that cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

export interface GoalOutboxOptions {
  send: (job: GoalJob) => Promise<GoalResult>;
  logger: Logger;
  /** Default 10,000 waiting jobs. */
  maxSize?: number;
  /** Default 500 ms. */
  baseDelayMs?: number;
  /** Default 60 s. */
  maxDelayMs?: number;
  /** Unavailable answers before a job is dropped as failed. Default 8. */
  maxAttempts?: number;
  /** Jobs in flight at once while DataFast is healthy. Default 4. */
  concurrency?: number;
  /**
   * Until when the sender is paused after a 429 (epoch ms, 0 when not paused), e.g.
   * `() => client.pausedUntil`. Without it a pause is waited out with the usual backoff.
   */
  pausedUntil?: () => number;
  now?: () => number;
  /** Default: setTimeout, unref'd. Tests may inject a fake. */
  setTimer?: SetTimer;
  /** Default Math.random; used for the jitter. */
  random?: () => number;
}

interface Entry {
  job: GoalJob;
  /** Arrival order: retries go back in front of every newer job. */
  seq: number;
  /** Unavailable answers so far. */
  attempts: number;
}

const WARN_INTERVAL_MS = 60_000;

const defaultSetTimer: SetTimer = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

/** A FIFO with O(1) push and shift, plus an ordered insert for the (few) retries. */
class Queue {
  #items: Entry[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(e: Entry): void {
    this.#items.push(e);
  }

  shift(): Entry | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const e = this.#items[this.#head];
    this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return e;
  }

  /** Puts a job back in arrival order. Retries are older than nearly everything queued, so this scans little. */
  putBack(e: Entry): void {
    let i = this.#head;
    while (i < this.#items.length && (this.#items[i]?.seq ?? Infinity) < e.seq) i += 1;
    if (i === this.#head && this.#head > 0) {
      this.#head -= 1;
      this.#items[this.#head] = e;
      return;
    }
    this.#items.splice(i, 0, e);
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

export class GoalOutbox {
  readonly #send: (job: GoalJob) => Promise<GoalResult>;
  readonly #log: Logger;
  readonly #maxSize: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxAttempts: number;
  readonly #concurrency: number;
  readonly #pausedUntil: (() => number) | undefined;
  readonly #now: () => number;
  readonly #setTimer: SetTimer;
  readonly #random: () => number;

  readonly #queue = new Queue();
  #seq = 0;
  #inFlight = 0;
  #sent = 0;
  #rejected = 0;
  #failed = 0;
  #dropped = 0;
  #retries = 0;
  /** Consecutive unavailable answers (not pauses) across jobs; 0 when healthy. */
  #failures = 0;
  /** No job is started before this time (epoch ms from `now`). */
  #holdUntil = 0;
  #cancelWake: (() => void) | null = null;
  #wakeAt = 0;
  #closed = false;
  #idleWaiters = new Set<() => void>();
  readonly #lastWarned = new Map<string, number>();
  readonly #suppressed = new Map<string, number>();

  constructor(options: GoalOutboxOptions) {
    this.#send = options.send;
    this.#log = options.logger;
    this.#maxSize = positive('maxSize', options.maxSize ?? 10_000);
    this.#baseDelayMs = positive('baseDelayMs', options.baseDelayMs ?? 500);
    this.#maxDelayMs = Math.max(this.#baseDelayMs, positive('maxDelayMs', options.maxDelayMs ?? 60_000));
    this.#maxAttempts = positive('maxAttempts', options.maxAttempts ?? 8);
    this.#concurrency = positive('concurrency', options.concurrency ?? 4);
    this.#pausedUntil = options.pausedUntil;
    this.#now = options.now ?? Date.now;
    this.#setTimer = options.setTimer ?? defaultSetTimer;
    this.#random = options.random ?? Math.random;
  }

  /** Queues a goal. False (and counted as dropped, with a rate-limited warning) when full or closed. */
  enqueue(job: GoalJob): boolean {
    if (this.#closed || this.#queue.length >= this.#maxSize) {
      this.#dropped += 1;
      this.#warn(
        'dropped',
        { dropped: this.#dropped, maxSize: this.#maxSize, closed: this.#closed },
        this.#closed ? 'Goal outbox is closed: goal dropped' : 'Goal outbox is full: goal dropped (DataFast is failing or too slow)',
      );
      return false;
    }
    this.#queue.push({ job, seq: this.#seq++, attempts: 0 });
    this.#pump();
    return true;
  }

  stats(): OutboxStats {
    return {
      queued: this.#queue.length,
      inFlight: this.#inFlight,
      sent: this.#sent,
      rejected: this.#rejected,
      failed: this.#failed,
      dropped: this.#dropped,
      retries: this.#retries,
      capacity: this.#maxSize,
    };
  }

  /**
   * Resolves when nothing is queued or in flight, or after `timeoutMs` (whichever comes first;
   * check stats() to tell them apart). Backoff delays are honoured, not skipped. Its own timer
   * is a real, ref'd one, so a shutdown that awaits drain() does keep the process alive meanwhile.
   */
  drain(timeoutMs: number): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        this.#idleWaiters.delete(done);
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      this.#idleWaiters.add(done);
      timer = setTimeout(done, Math.max(0, timeoutMs));
    });
  }

  /**
   * Stops starting new sends and cancels the pending wake-up. Jobs in flight finish and are
   * counted (a failure is not retried: `failed`); jobs still queued are counted as `dropped` and
   * logged. Later enqueues are dropped. Call drain() first for a graceful shutdown.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelWake?.();
    this.#cancelWake = null;
    const left = this.#queue.length;
    if (left > 0) {
      this.#dropped += left;
      this.#log.warn({ undelivered: left }, 'Goal outbox closed with goals still queued: they are dropped');
    }
    this.#queue.clear();
    this.#notifyIfIdle();
  }

  #idle(): boolean {
    return this.#inFlight === 0 && this.#queue.length === 0;
  }

  #notifyIfIdle(): void {
    if (!this.#idle()) return;
    for (const waiter of [...this.#idleWaiters]) waiter();
  }

  /** Starts as many jobs as the hold and the concurrency allow. */
  #pump(): void {
    if (this.#closed) return;
    const now = this.#now();
    if (now < this.#holdUntil) {
      this.#wakeAtTime(this.#holdUntil);
      return;
    }
    // While DataFast keeps failing, one job probes it; the rest wait.
    const limit = this.#failures > 0 ? 1 : this.#concurrency;
    while (this.#inFlight < limit) {
      const entry = this.#queue.shift();
      if (!entry) break;
      this.#inFlight += 1;
      void this.#deliver(entry);
    }
  }

  #wakeAtTime(at: number): void {
    if (this.#cancelWake && this.#wakeAt <= at) return;
    this.#cancelWake?.();
    this.#wakeAt = at;
    this.#cancelWake = this.#setTimer(
      () => {
        this.#cancelWake = null;
        this.#wakeAt = 0;
        this.#pump();
      },
      Math.max(0, at - this.#now()),
    );
  }

  async #deliver(entry: Entry): Promise<void> {
    let result: GoalResult;
    try {
      result = await this.#send(entry.job);
    } catch {
      // The client never throws; a custom sender might. Treat it like a network failure.
      result = { kind: 'unavailable', cause: 'network' };
    }
    this.#inFlight -= 1;
    this.#settle(entry, result);
    this.#pump();
    this.#notifyIfIdle();
  }

  #settle(entry: Entry, result: GoalResult): void {
    const now = this.#now();
    switch (result.kind) {
      case 'created':
        this.#sent += 1;
        this.#failures = 0;
        return;
      case 'rejected':
        this.#rejected += 1;
        this.#log.debug({ goal: entry.job.name, status: result.status }, 'DataFast refused a goal: not retried');
        return;
      case 'unavailable':
        break;
    }
    if (this.#closed) {
      this.#failed += 1;
      this.#log.warn({ goal: entry.job.name, cause: result.cause }, 'Goal outbox closed: a goal that failed is not retried');
      return;
    }
    if (result.cause === 'paused' || result.cause === 'rate-limited') {
      // Not the job's fault: no attempt used. Wait out the client's pause.
      this.#retries += 1;
      this.#queue.putBack(entry);
      const until = this.#pausedUntil?.() ?? 0;
      this.#hold(until > now ? until : now + this.#nextDelay());
      return;
    }
    entry.attempts += 1;
    if (entry.attempts >= this.#maxAttempts) {
      this.#failed += 1;
      this.#warn(
        'failed',
        { failed: this.#failed, attempts: entry.attempts, cause: result.cause },
        'DataFast stayed unavailable: goal given up after its last attempt',
      );
      // Still unhealthy: the next job waits too.
      this.#hold(now + this.#nextDelay());
      return;
    }
    this.#retries += 1;
    this.#queue.putBack(entry);
    this.#hold(now + this.#nextDelay());
  }

  /** Full jitter: uniform in [0, min(max, base * 2^(n-1))] for the n-th consecutive failure. */
  #nextDelay(): number {
    this.#failures += 1;
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.min(this.#failures - 1, 30));
    return Math.floor(this.#random() * ceiling);
  }

  #hold(until: number): void {
    this.#holdUntil = Math.max(this.#holdUntil, until);
  }

  /** A warning at most once a minute per kind, carrying how many were suppressed meanwhile. */
  #warn(kind: string, fields: Record<string, unknown>, msg: string): void {
    const now = this.#now();
    const last = this.#lastWarned.get(kind);
    if (last !== undefined && now - last < WARN_INTERVAL_MS) {
      this.#suppressed.set(kind, (this.#suppressed.get(kind) ?? 0) + 1);
      return;
    }
    this.#lastWarned.set(kind, now);
    const suppressed = this.#suppressed.get(kind) ?? 0;
    this.#suppressed.set(kind, 0);
    this.#log.warn({ ...fields, suppressedSinceLastWarning: suppressed }, msg);
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`GoalOutbox: ${name} must be a positive number, got ${value}`);
  return value;
}
