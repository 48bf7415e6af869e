// Readiness: whether this router should get traffic. Ready when the store takes durable writes,
// no upstream breaker has stayed open past its limit, and the goal outbox has room. Every
// failing condition is a reason, in words an operator can act on (error codes, never paths).
//
// The store is judged by what it last did and by a probe: a failed journal write makes it
// not-writable at once (a full disk shows there first), and only a probe that starts after that
// failure and succeeds makes it writable again, so a recovered disk is seen without waiting for
// traffic that an unready instance would not get. A successful probe is trusted for `probeTtlMs`;
// a failed one is re-probed whenever asked.
import type { OutboxStats } from '../events/outbox.js';
import type { JournalStats } from '../store/journal.js';
import type { StoreProbe } from './store-probe.js';

/** What readiness and the metrics read of an upstream's circuit breaker (datafast/breaker.ts's BreakerView). */
export interface UpstreamBreaker {
  readonly endpoint: string;
  state(): 'closed' | 'open' | 'half-open';
  stats(): {
    /** Times it went from closed to open. */
    opened: number;
    /** Calls refused without a network call. */
    refused: number;
    /** Since when it has not been closed (epoch ms), or null while closed. */
    openSince: number | null;
  };
}

/** The store as readiness sees it: being opened, open and writable, never opened, or refusing writes. */
export type StoreHealth = 'opening' | 'ok' | 'unavailable' | 'not-writable';

export interface StoreOpenState {
  state: 'opening' | 'ok' | 'unavailable';
  /** Why it could not be opened (an error code), when unavailable. */
  openErrorCode: string | null;
  /** The open journal's counters, null until open. */
  journal: Pick<JournalStats, 'failures' | 'lastFailureCode' | 'broken'> | null;
}

export interface ReadinessOptions {
  store: () => StoreOpenState;
  probe: StoreProbe;
  /** The upstream breakers, none before the client has them. */
  breakers: () => readonly UpstreamBreaker[];
  outbox: () => Pick<OutboxStats, 'queued' | 'capacity'>;
  /** How long a breaker may stay open before the router is unready; null: never. */
  maxUpstreamOpenMs: number | null;
  /** How long a successful probe is trusted. Default 10 s. */
  probeTtlMs?: number;
  now?: () => number;
}

export interface ReadinessReport {
  ready: boolean;
  /** Why not ready, one line each; empty when ready. */
  reasons: string[];
  store: StoreHealth;
  /** When the data directory was last probed (epoch ms), null if never. */
  storeCheckedAt: number | null;
}

export const DEFAULT_PROBE_TTL_MS = 10_000;

export class Readiness {
  readonly #o: ReadinessOptions;
  readonly #now: () => number;
  readonly #ttl: number;
  /** Journal failures already answered by a probe that started after them. */
  #failuresSeen = 0;
  #running: Promise<void> | null = null;

  constructor(options: ReadinessOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#ttl = options.probeTtlMs ?? DEFAULT_PROBE_TTL_MS;
  }

  /** The verdict after probing the data directory if due. Never rejects. */
  async check(): Promise<ReadinessReport> {
    if (this.#due()) await this.#probe();
    return this.#report();
  }

  /** The verdict from what is known now, without waiting; starts a probe in the background if due. */
  current(): ReadinessReport {
    if (this.#due()) void this.#probe();
    return this.#report();
  }

  #due(): boolean {
    const store = this.#o.store();
    if (store.state !== 'ok' || store.journal === null || store.journal.broken) return false;
    const last = this.#o.probe.last;
    return last === null || !last.ok || this.#now() - last.at >= this.#ttl || store.journal.failures > this.#failuresSeen;
  }

  #probe(): Promise<void> {
    this.#running ??= (async () => {
      const seen = this.#o.store().journal?.failures ?? 0;
      const result = await this.#o.probe.run();
      if (result.ok) this.#failuresSeen = Math.max(this.#failuresSeen, seen);
      this.#running = null;
    })();
    return this.#running;
  }

  #report(): ReadinessReport {
    const reasons: string[] = [];
    const store = this.#storeHealth(reasons);
    const { maxUpstreamOpenMs } = this.#o;
    if (maxUpstreamOpenMs !== null) {
      const now = this.#now();
      for (const b of this.#o.breakers()) {
        const { openSince } = b.stats();
        if (openSince === null || now - openSince <= maxUpstreamOpenMs) continue;
        reasons.push(`upstream: the DataFast ${b.endpoint} breaker has not closed for ${Math.floor((now - openSince) / 1000)} s (limit ${Math.floor(maxUpstreamOpenMs / 1000)} s)`);
      }
    }
    const { queued, capacity } = this.#o.outbox();
    if (queued >= capacity) reasons.push(`outbox: full (${queued} of ${capacity} goals waiting); new goals are dropped`);
    return { ready: reasons.length === 0, reasons, store, storeCheckedAt: this.#o.probe.last?.at ?? null };
  }

  #storeHealth(reasons: string[]): StoreHealth {
    const { state, openErrorCode, journal } = this.#o.store();
    if (state === 'opening') {
      reasons.push('store: still opening');
      return 'opening';
    }
    if (state === 'unavailable' || journal === null) {
      reasons.push(`store: could not be opened (${openErrorCode ?? 'unknown error'})`);
      return 'unavailable';
    }
    if (journal.broken) {
      reasons.push(`store: a failed write could not be undone (${journal.lastFailureCode ?? 'EIO'}); restart the process`);
      return 'not-writable';
    }
    const last = this.#o.probe.last;
    if (last !== null && !last.ok) {
      reasons.push(`store: the data directory takes no writes (${last.code ?? 'EIO'})`);
      return 'not-writable';
    }
    if (journal.failures > this.#failuresSeen) {
      reasons.push(`store: the last write failed (${journal.lastFailureCode ?? 'EIO'})`);
      return 'not-writable';
    }
    return 'ok';
  }
}
