// Store counts for /metrics, read at most once per `ttlMs` per key: a scrape's cost must not grow
// with the data (a full count of the leads) at every scrape of every instance. Concurrent reads of
// one key share one query (with `ttlMs` 0 that is all it does: the gauges of one scrape that need
// the same aggregate share it); a failed read is not kept.

export class ScrapeCache<T> {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { at: number; value: Promise<T>; running: boolean }>();

  constructor(ttlMs: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const known = this.#entries.get(key);
    if (known !== undefined && (known.running || now - known.at < this.#ttlMs)) return known.value;
    const value = read();
    const entry = { at: now, value, running: true };
    this.#entries.set(key, entry);
    value.then(
      () => void (entry.running = false),
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return value;
  }

  /** Forgets keys not in `keep` (offers removed from the offers file). */
  retain(keep: ReadonlySet<string>): void {
    for (const key of this.#entries.keys()) if (!keep.has(key)) this.#entries.delete(key);
  }
}

/** How long the lead count is reused across scrapes. */
export const LEAD_COUNT_CACHE_MS = 10_000;
