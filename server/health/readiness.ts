// Readiness: whether this router should get traffic. Ready when the store takes durable writes
// and (only with a limit set) the visitor lookups' breaker has not stayed open past it. A backlog
// of deliveries is not a reason: it is in the store, the same for every instance, and offers are
// decided all the same (health().outbox shows it). Every failing condition is a reason, in words an operator can act on
// (error codes, never paths).
//
// The store is judged by what it last did and by a probe: a failed write makes it not-writable at
// once (a full disk shows there first), and only a probe that starts after that failure and
// succeeds makes it writable again, so a recovered disk is seen without waiting for
// traffic that an unready instance would not get. A successful probe is trusted for `probeTtlMs`;
// a failed one is re-probed whenever asked.
//
// The upstream is judged the same way, for the same reason: a breaker closes only when its probe
// succeeds, and an instance taken out of traffic gets no caller to make that probe. So readiness
// makes it: when a counted breaker is half-open (its cool-down over) and no probe is out, a check
// starts one (one at a time, bounded by the client's deadline), and waits for it only when its
// verdict depends on it. Unready means: the outage began more than the limit ago, and the breaker
// is still not closed — its last probe failed, or one is out.
import type { StoreWriteStats } from '../store/store.js';
import type { StoreProbe } from './store-probe.js';

/** What readiness, health() and the metrics read of an upstream's circuit breaker (datafast/breaker.ts's BreakerView). */
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

/** A breaker readiness judges, and how to make its probe when nobody else calls. */
export interface UpstreamCheck {
  breaker: UpstreamBreaker;
  /** Makes the breaker's probe call if one is due (half-open, none out), else null and no call. Should not reject. */
  probe: () => Promise<unknown> | null;
}

/** The store as readiness sees it: being opened, open and writable, never opened, or refusing writes. */
export type StoreHealth = 'opening' | 'ok' | 'unavailable' | 'not-writable';

export interface StoreOpenState {
  state: 'opening' | 'ok' | 'unavailable';
  /** Why it could not be opened (an error code), when unavailable. */
  openErrorCode: string | null;
  /** The open store's failed writes, null until open. */
  writes: StoreWriteStats | null;
}

export interface ReadinessOptions {
  store: () => StoreOpenState;
  probe: StoreProbe;
  /** The breakers that count for readiness, with their probes. */
  upstream: () => readonly UpstreamCheck[];
  /** How long a counted breaker may stay not closed before the router is unready; null: never (and no probes). */
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
  /** Write failures already answered by a probe that started after them. */
  #failuresSeen = 0;
  #running: Promise<void> | null = null;
  /** Upstream probes this readiness started and that are still out, by endpoint. */
  readonly #upstreamProbes = new Map<string, Promise<void>>();

  constructor(options: ReadinessOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#ttl = options.probeTtlMs ?? DEFAULT_PROBE_TTL_MS;
  }

  /**
   * The verdict after probing the data directory if due, and a half-open upstream breaker whose
   * outage is past the limit (within the client's deadline). Never rejects.
   */
  async check(): Promise<ReadinessReport> {
    const waits = this.#probeUpstream();
    if (this.#due()) waits.push(this.#probe());
    await Promise.all(waits);
    return this.#report();
  }

  /** The verdict from what is known now, without waiting; starts the due probes in the background. */
  current(): ReadinessReport {
    this.#probeUpstream();
    if (this.#due()) void this.#probe();
    return this.#report();
  }

  /** Starts the probe of each counted breaker that is due one; returns those a verdict waits on. */
  #probeUpstream(): Array<Promise<void>> {
    const limit = this.#o.maxUpstreamOpenMs;
    if (limit === null) return [];
    const decisive: Array<Promise<void>> = [];
    for (const { breaker, probe } of this.#o.upstream()) {
      let running = this.#upstreamProbes.get(breaker.endpoint);
      if (running === undefined && breaker.state() === 'half-open') {
        const call = probe();
        if (call !== null) {
          running = call.then(
            () => undefined,
            () => undefined,
          );
          const started = running;
          this.#upstreamProbes.set(breaker.endpoint, started);
          void started.then(() => {
            if (this.#upstreamProbes.get(breaker.endpoint) === started) this.#upstreamProbes.delete(breaker.endpoint);
          });
        }
      }
      // Only an outage already past the limit makes the verdict wait: otherwise it is ready either way.
      if (running !== undefined && this.#pastLimit(breaker, limit)) decisive.push(running);
    }
    return decisive;
  }

  #pastLimit(breaker: UpstreamBreaker, limit: number): boolean {
    const { openSince } = breaker.stats();
    return openSince !== null && this.#now() - openSince > limit;
  }

  #due(): boolean {
    const store = this.#o.store();
    if (store.state !== 'ok' || store.writes === null) return false;
    const last = this.#o.probe.last;
    return last === null || !last.ok || this.#now() - last.at >= this.#ttl || store.writes.failures > this.#failuresSeen;
  }

  #probe(): Promise<void> {
    this.#running ??= (async () => {
      const seen = this.#o.store().writes?.failures ?? 0;
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
      for (const { breaker } of this.#o.upstream()) {
        const { openSince } = breaker.stats();
        if (openSince === null || now - openSince <= maxUpstreamOpenMs) continue;
        reasons.push(`upstream: the DataFast ${breaker.endpoint} breaker has not closed for ${Math.floor((now - openSince) / 1000)} s (limit ${Math.floor(maxUpstreamOpenMs / 1000)} s)`);
      }
    }
    return { ready: reasons.length === 0, reasons, store, storeCheckedAt: this.#o.probe.last?.at ?? null };
  }

  #storeHealth(reasons: string[]): StoreHealth {
    const { state, openErrorCode, writes } = this.#o.store();
    if (state === 'opening') {
      reasons.push('store: still opening');
      return 'opening';
    }
    if (state === 'unavailable' || writes === null) {
      reasons.push(`store: could not be opened (${openErrorCode ?? 'unknown error'})`);
      return 'unavailable';
    }
    const last = this.#o.probe.last;
    if (last !== null && !last.ok) {
      reasons.push(`store: the data directory takes no writes (${last.code ?? 'EIO'})`);
      return 'not-writable';
    }
    if (writes.failures > this.#failuresSeen) {
      reasons.push(`store: the last write failed (${writes.lastFailureCode ?? 'EIO'})`);
      return 'not-writable';
    }
    return 'ok';
  }
}
