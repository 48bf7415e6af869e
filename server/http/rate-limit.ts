// A per-key request limiter (per visitor, per IP) with bounded memory, for POST /events and
// POST /leads. It uses the sliding-window counter: the count of the current fixed window plus the
// previous window's count weighted by how much of it still overlaps the sliding window. That
// avoids the fixed window's double burst at a boundary, in two numbers per key.
//
// Memory is bounded by an LRU of `max` keys. A key pushed out by `max` newer keys starts afresh:
// under a flood of distinct keys (a spoofed-IP spray) the limiter forgets its least recently
// seen keys rather than growing. Size `max` to comfortably exceed the keys active per window.
// One process only: several instances each keep their own counts (see DESIGN.md, Scale).
import { LRUCache } from 'lru-cache';

export interface RateLimiterOptions {
  /** Requests allowed per key per window. */
  limit: number;
  windowMs: number;
  /** Keys remembered at most. Default 10,000. */
  max?: number;
  /** Epoch ms. Default Date.now. */
  now?: () => number;
}

export interface RateLimitDecision {
  ok: boolean;
  /** When refused: whole seconds until a request would be allowed (at least 1). 0 when ok. */
  retryAfterSeconds: number;
}

interface Counter {
  /** Start of the current fixed window (a multiple of windowMs). */
  windowStart: number;
  current: number;
  previous: number;
}

export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #counters: LRUCache<string, Counter>;
  #refused = 0;

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`RateLimiter: limit must be a positive integer, got ${options.limit}`);
    }
    if (!Number.isFinite(options.windowMs) || options.windowMs <= 0) {
      throw new RangeError(`RateLimiter: windowMs must be positive, got ${options.windowMs}`);
    }
    const max = options.max ?? 10_000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`RateLimiter: max must be a positive integer, got ${max}`);
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
    this.#counters = new LRUCache<string, Counter>({ max });
  }

  /** Counts one request for `key` when it is allowed; a refused request is not counted. */
  take(key: string): RateLimitDecision {
    const now = this.#now();
    const windowStart = Math.floor(now / this.#windowMs) * this.#windowMs;
    const counter = this.#roll(this.#counters.get(key), windowStart);
    const elapsed = now - windowStart;
    const weight = 1 - elapsed / this.#windowMs;
    const estimate = counter.previous * weight + counter.current;

    if (estimate + 1 <= this.#limit) {
      counter.current += 1;
      this.#counters.set(key, counter);
      return { ok: true, retryAfterSeconds: 0 };
    }
    this.#counters.set(key, counter);
    this.#refused += 1;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(this.#waitMs(counter, elapsed) / 1000)) };
  }

  /** Requests refused since start (for metrics). */
  get refused(): number {
    return this.#refused;
  }

  /** What `take(key)` would answer now, without counting anything or refreshing the key's place. */
  peek(key: string): RateLimitDecision {
    const now = this.#now();
    const windowStart = Math.floor(now / this.#windowMs) * this.#windowMs;
    const counter = this.#roll(this.#counters.peek(key), windowStart);
    const elapsed = now - windowStart;
    const estimate = counter.previous * (1 - elapsed / this.#windowMs) + counter.current;
    if (estimate + 1 <= this.#limit) return { ok: true, retryAfterSeconds: 0 };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(this.#waitMs(counter, elapsed) / 1000)) };
  }

  /** How many keys are remembered (for tests and metrics). */
  get size(): number {
    return this.#counters.size;
  }

  /** Moves a counter into the window starting at `windowStart`. */
  #roll(counter: Counter | undefined, windowStart: number): Counter {
    if (!counter) return { windowStart, current: 0, previous: 0 };
    if (counter.windowStart === windowStart) return counter;
    if (counter.windowStart === windowStart - this.#windowMs) {
      return { windowStart, current: 0, previous: counter.current };
    }
    return { windowStart, current: 0, previous: 0 };
  }

  /**
   * Milliseconds from now until `previous * (1 - e / W) + current + 1 <= limit` holds, where e is
   * the time into the current window; past the window's end `current` becomes `previous`.
   */
  #waitMs(counter: Counter, elapsed: number): number {
    const W = this.#windowMs;
    const room = this.#limit - 1 - counter.current;
    if (room >= 0 && counter.previous > 0) {
      // Within this window: previous * (1 - e/W) <= room  ⇔  e >= W * (1 - room / previous).
      const at = W * (1 - room / counter.previous);
      if (at < W) return Math.max(0, at - elapsed);
    }
    // In the next window: current * (1 - e'/W) <= limit - 1  ⇔  e' >= W * (1 - (limit - 1) / current).
    const next = counter.current > 0 ? Math.max(0, W * (1 - (this.#limit - 1) / counter.current)) : 0;
    return W - elapsed + next;
  }
}
