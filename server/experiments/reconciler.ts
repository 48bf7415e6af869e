// DataFast as a conversion source: a background job that looks again at exposed visitors who have
// not converted, within their attribution window, and counts a conversion when their DataFast
// record shows a payment (`payment`, `subscription_*`) after their exposure, at the payment's time.
//
// Bounded: at most `callsPerMinute` lookups (a token bucket, per instance), claimed from the store
// with a lease so instances sharing a database never look at one visitor at the same time, on a
// schedule that thins out (reconcile-schedule.ts). Timers are unref'd; stop() (router.close())
// cancels them and waits for the look in progress. Never throws: a failure of the store or of
// DataFast ends the tick, is logged once per kind until that kind clears, and the visitors claimed
// are put back.
import { randomUUID } from 'node:crypto';
import type { PaymentGoalsLookup } from '../datafast/client.js';
import type { Policy } from '../decision/decide.js';
import type { Logger } from '../logger.js';
import { errorCode } from '../store/backend.js';
import type { StoreRef } from '../store/store-ref.js';
import type { Store, VisitorCheck } from '../store/store.js';
import { CallBudget } from './call-budget.js';
import { attributionWindows, checkWindows, conversionTimes, DEFAULT_SCHEDULE, nextCheckAt, type ScheduleSettings } from './reconcile-schedule.js';

export interface ReconcilerOptions {
  store: StoreRef;
  /** The current policy: its running experiments and holdout are looked at. */
  policy: () => Policy;
  /** One DataFast lookup of a visitor's payments. */
  fetchPayments: (visitorId: string) => Promise<PaymentGoalsLookup>;
  /** DataFast lookups per minute at most (this instance's); 0 turns the job off. */
  callsPerMinute: number;
  /** Longer than a lookup can take: no visitor is looked at twice at once. */
  leaseMs: number;
  logger: Logger;
  schedule?: Partial<ScheduleSettings>;
  /** How often the job wakes up. Default 5 s. */
  tickMs?: number;
  now?: () => number;
}

/** What this instance's job did since it started. */
export interface ReconcilerStats {
  /** DataFast lookups made. */
  looks: number;
  /** Conversions counted (one per experiment a payment converted). */
  conversions: number;
  /** Ticks ended early by a failure of the store or DataFast. */
  failures: number;
}

/** When DataFast cannot answer, a visitor claimed is put back for this long. */
const UNAVAILABLE_RETRY_MS = 60_000;

export class Reconciler {
  /** This instance's name on its leases. */
  readonly owner = randomUUID();
  readonly #o: ReconcilerOptions;
  readonly #now: () => number;
  readonly #budget: CallBudget;
  readonly #schedule: ScheduleSettings;
  readonly #stats: ReconcilerStats = { looks: 0, conversions: 0, failures: 0 };
  /** Kinds of trouble logged and not cleared since. */
  readonly #logged = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(options: ReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#budget = new CallBudget(options.callsPerMinute, this.#now);
    this.#schedule = { ...DEFAULT_SCHEDULE, ...options.schedule };
  }

  get enabled(): boolean {
    return this.#o.callsPerMinute > 0;
  }

  start(): void {
    if (this.enabled && !this.#stopped && this.#timer === null) this.#arm();
  }

  stats(): ReconcilerStats {
    return { ...this.#stats };
  }

  /** The lookup budget: calls a minute configured, and whole calls that may be made now. */
  budget(): { perMinute: number; available: number } {
    return { perMinute: this.#o.callsPerMinute, available: this.#budget.available() };
  }

  /** One tick now (what the timer runs); never rejects. Concurrent calls share one tick. */
  runOnce(): Promise<void> {
    this.#running ??= this.#tick()
      .catch((err: unknown) => this.#trouble('bug', { err: err instanceof Error ? err.message : String(err) }, 'conversion reconciliation: a tick failed'))
      .finally(() => (this.#running = null));
    return this.#running;
  }

  /** Cancels the timer and waits for the tick in progress (its unfinished visitors are put back). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      void this.runOnce().then(() => {
        if (!this.#stopped) this.#arm();
      });
    }, this.#o.tickMs ?? 5_000);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#stopped || !this.enabled) return;
    const windows = attributionWindows(this.#o.policy());
    const calls = this.#budget.available();
    if (windows.size === 0 || calls === 0) return;
    let s: Store;
    let claimed: VisitorCheck[];
    try {
      s = this.#o.store.current ?? (await this.#o.store.ready);
      claimed = await s.claimVisitorChecks({ windows: checkWindows(windows, this.#schedule.graceMs), firstCheckAfterMs: this.#schedule.firstCheckAfterMs, owner: this.owner, limit: calls, leaseMs: this.#o.leaseMs });
    } catch (err) {
      return this.#storeTrouble(err);
    }
    this.#cleared('store');
    for (const [i, check] of claimed.entries()) {
      if (this.#stopped || !this.#budget.take()) return this.#putBack(s, claimed.slice(i), this.#now());
      let outcome: 'done' | 'unavailable';
      try {
        outcome = await this.#look(s, check, windows);
      } catch (err) {
        await this.#putBack(s, claimed.slice(i), this.#now());
        return this.#storeTrouble(err);
      }
      if (outcome === 'unavailable') return this.#putBack(s, claimed.slice(i), this.#now() + UNAVAILABLE_RETRY_MS);
    }
  }

  /** One visitor: DataFast's payments, the conversions they make, the next look. */
  async #look(s: Store, check: VisitorCheck, windows: ReadonlyMap<string, number>): Promise<'done' | 'unavailable'> {
    this.#stats.looks += 1;
    const found = await this.#o.fetchPayments(check.visitorId);
    const now = this.#now();
    if (found.kind === 'unavailable') {
      this.#stats.failures += 1;
      this.#trouble('datafast', { cause: found.cause }, 'conversion reconciliation: DataFast did not answer; trying again later');
      return 'unavailable';
    }
    this.#cleared('datafast');
    let converted: string[] = [];
    if (found.kind === 'found') {
      const times = conversionTimes(found.goals, check.exposures, now);
      if (times.length > 0) converted = await s.recordConversionsAt(check.visitorId, times);
      this.#stats.conversions += converted.length;
    }
    // A bot is never a customer; a visitor DataFast does not know (yet), or whose record is unreadable, is looked at again.
    const next = found.kind === 'bot' ? null : nextCheckAt(check, windows, converted, now, this.#schedule);
    await s.settleVisitorCheck(check.visitorId, this.owner, next);
    return 'done';
  }

  /** Frees the leases of visitors not looked at, due again at `at`; a failure here only lets the leases expire. */
  async #putBack(s: Store, checks: readonly VisitorCheck[], at: number): Promise<void> {
    await Promise.all(checks.map((c) => s.settleVisitorCheck(c.visitorId, this.owner, at).catch(() => false)));
  }

  #storeTrouble(err: unknown): void {
    this.#stats.failures += 1;
    this.#trouble('store', { code: errorCode(err) }, 'conversion reconciliation: the store failed; trying again later');
  }

  /** Logs a kind of trouble once, until it clears. */
  #trouble(kind: string, fields: Record<string, unknown>, msg: string): void {
    if (this.#logged.has(kind)) return;
    this.#logged.add(kind);
    this.#o.logger.warn(fields, msg);
  }

  #cleared(kind: string): void {
    if (this.#logged.delete(kind)) this.#o.logger.info({ kind }, 'conversion reconciliation: working again');
  }
}
