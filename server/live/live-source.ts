// One shared, lazily refreshed copy of the live view for every visitor (DESIGN.md, Scale: "the
// realtime map is fetched at most once per interval for all visitors together").
//
// - No timers: nothing is fetched until someone asks, and an idle server makes no calls.
// - At most one fetch is *started* per `intervalMs` (measured start to start), whatever the traffic.
// - Callers that arrive while a fetch is in flight share it (coalesced); within the interval they
//   get the last result without a fetch. A caller that starts a refresh waits for it (the client's
//   own deadline bounds that wait, 1.5 s by default).
// - A failed fetch counts as an attempt: the next one starts no earlier than `intervalMs` after it,
//   so an outage costs one upstream call per interval, never a storm. (The DataFast client adds its
//   own pause after a 429.) Meanwhile the last good map keeps being served, its `minutesAgo`
//   recomputed at each attempt, until it is older than `maxStaleMs`; then the answer is null.
// - With Redis, `fetch` is the fleet's (live/shared-realtime.ts): it may answer with a map another
//   instance fetched, and when; the map's age counts from then.
import type { RealtimeLookup } from '../datafast/client.js';
import type { UnavailableCause } from '../datafast/lookup.js';
import type { RealtimeMap } from '../datafast/realtime.js';
import { toLiveView, type LiveView } from './live-view.js';

/** A fetch's answer: `fetchedAt` (epoch ms) when the map is one fetched earlier, by another instance. */
export type LiveFetchResult = RealtimeLookup | { kind: 'found'; map: RealtimeMap; fetchedAt: number };

export interface LiveSourceOptions {
  /** One realtime-map call, e.g. `() => client.getRealtimeMap()`. Should not reject; a rejection counts as a failure. */
  fetch: () => Promise<LiveFetchResult>;
  /** Least time between two fetch starts, default 15_000 ms. */
  intervalMs?: number;
  /** How old the last good map may get while fetches fail, default 300_000 ms. */
  maxStaleMs?: number;
  /** Passed to toLiveView, default 5. */
  maxPurchases?: number;
  /** Clock, default Date.now. */
  now?: () => number;
}

export interface LiveSourceStats {
  /** Fetches started (each is one realtime-map request from this source). */
  fetches: number;
  /** Fetches that brought no map (DataFast unavailable, or the fetch function threw). */
  failures: number;
  /** get() calls that joined a fetch already in flight. */
  coalesced: number;
  /** get() calls answered from the last result without fetching. */
  cached: number;
  /** When the last good map arrived (epoch ms), null if never. */
  lastSuccessAt: number | null;
  /** Why the most recent fetch failed; null when it succeeded or none has run. */
  lastFailure: UnavailableCause | null;
}

/** The last good realtime map and when it arrived (epoch ms), for the operator dashboard. */
export interface RealtimeSnapshot {
  map: RealtimeMap;
  fetchedAt: number;
}

export const DEFAULT_LIVE_INTERVAL_MS = 15_000;
export const DEFAULT_LIVE_MAX_STALE_MS = 300_000;

const THREW: RealtimeLookup = Object.freeze({ kind: 'unavailable', cause: 'network' });

export class LiveSource {
  readonly intervalMs: number;
  readonly maxStaleMs: number;
  readonly #fetch: () => Promise<LiveFetchResult>;
  readonly #maxPurchases: number | undefined;
  readonly #now: () => number;

  #map: RealtimeMap | null = null;
  #fetchedAt = 0;
  #view: LiveView | null = null;
  #lastAttemptAt: number | null = null;
  #inflight: Promise<LiveView | null> | null = null;

  #fetches = 0;
  #failures = 0;
  #coalesced = 0;
  #cached = 0;
  #lastFailure: UnavailableCause | null = null;
  #lastSuccessAt: number | null = null;

  constructor(options: LiveSourceOptions) {
    if (typeof options?.fetch !== 'function') throw new TypeError('LiveSource: fetch must be a function');
    const intervalMs = options.intervalMs ?? DEFAULT_LIVE_INTERVAL_MS;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError('LiveSource: intervalMs must be a finite number > 0');
    const maxStaleMs = options.maxStaleMs ?? DEFAULT_LIVE_MAX_STALE_MS;
    if (!Number.isFinite(maxStaleMs) || maxStaleMs < 0) throw new RangeError('LiveSource: maxStaleMs must be a finite number >= 0');
    const maxPurchases = options.maxPurchases;
    if (maxPurchases !== undefined && (!Number.isInteger(maxPurchases) || maxPurchases < 0)) {
      throw new RangeError('LiveSource: maxPurchases must be an integer >= 0');
    }
    this.#fetch = options.fetch;
    this.intervalMs = intervalMs;
    this.maxStaleMs = maxStaleMs;
    this.#maxPurchases = maxPurchases;
    this.#now = options.now ?? Date.now;
  }

  /** The current live view, or null when there is no good map younger than maxStaleMs. Never rejects. */
  get(): Promise<LiveView | null> {
    if (this.#inflight !== null) {
      this.#coalesced++;
      return this.#inflight;
    }
    const now = this.#now();
    const last = this.#lastAttemptAt;
    // A clock that went backwards makes the next call due, once: the attempt re-anchors the interval.
    if (last !== null && now >= last && now - last < this.intervalMs) {
      this.#cached++;
      return Promise.resolve(this.#view);
    }
    const refresh = this.#refresh(now);
    this.#inflight = refresh;
    // Cleared here rather than inside #refresh: a fetch that throws synchronously would otherwise
    // finish before the assignment above and leave a settled promise "in flight" forever.
    const clear = (): void => {
      if (this.#inflight === refresh) this.#inflight = null;
    };
    refresh.then(clear, clear);
    return refresh;
  }

  /**
   * The map behind the current view, with the same interval, coalescing and stale-if-error rules
   * as get() (it is a get() that keeps the whole parsed map). For the operator dashboard only: the
   * map holds per-visitor rows that must never reach a public answer. Never rejects.
   */
  async getMap(): Promise<RealtimeSnapshot | null> {
    await this.get();
    return this.#map === null ? null : { map: this.#map, fetchedAt: this.#fetchedAt };
  }

  stats(): LiveSourceStats {
    return {
      fetches: this.#fetches,
      failures: this.#failures,
      coalesced: this.#coalesced,
      cached: this.#cached,
      lastSuccessAt: this.#lastSuccessAt,
      lastFailure: this.#lastFailure,
    };
  }

  async #refresh(startedAt: number): Promise<LiveView | null> {
    this.#lastAttemptAt = startedAt;
    this.#fetches++;
    let result: LiveFetchResult;
    try {
      result = await this.#fetch();
    } catch {
      result = THREW;
    }
    const now = this.#now();
    try {
      if (result.kind === 'found') {
        this.#view = toLiveView(result.map, now, this.#options());
        this.#map = result.map;
        this.#fetchedAt = 'fetchedAt' in result ? Math.min(result.fetchedAt, now) : now;
        this.#lastSuccessAt = now;
        this.#lastFailure = null;
        return this.#view;
      }
      this.#failures++;
      this.#lastFailure = result.cause;
    } catch {
      // Unreachable with a well-formed map; a bug here must not turn into a rejected /live.
      this.#failures++;
      this.#lastFailure = 'malformed';
    }
    // Stale-if-error: the last good map, with minutesAgo brought up to date, while it is young enough.
    if (this.#map !== null && now - this.#fetchedAt <= this.maxStaleMs) {
      this.#view = toLiveView(this.#map, now, this.#options());
    } else {
      this.#map = null;
      this.#view = null;
    }
    return this.#view;
  }

  #options(): { maxPurchases?: number } {
    return this.#maxPurchases === undefined ? {} : { maxPurchases: this.#maxPurchases };
  }
}
