// Per-key request limits (per client address, per visitor) for POST /events, /leads and
// /conversions and for wrong bearer tokens, through rate-limiter-flexible: `limit` requests per
// fixed window of `windowMs`, the window starting at the key's first request.
//
// - With Redis (RateLimiterRedis): every instance counts in one place, so a limit holds across the
//   fleet. Each call is bounded by the Redis budget; when Redis is down, slow or failing, this
//   instance counts on its own in memory (the insurance limiter: a RateLimiterMemory with the same
//   settings) until it is back — each instance then allows the limit, as without Redis.
// - Without Redis: RateLimiterMemory alone. Its keys expire with their window, so its memory is
//   bounded by the keys active in one window.
// Keys in Redis are pseudonyms (redis/keyring.ts): no client address or visitor id is stored there.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisKeyring } from '../redis/keyring.js';
import { LOCAL, type RedisLink } from '../redis/redis-link.js';

export interface RateLimitDecision {
  ok: boolean;
  /** When refused: whole seconds until a request would be allowed (at least 1). 0 when ok. */
  retryAfterSeconds: number;
  /** Requests still allowed in the current window (0 when refused, or when this one was the last). */
  remaining: number;
  /** Whole seconds until the current window ends (at least 1). */
  resetSeconds: number;
}

export interface RateLimitOptions {
  /** The limit's name, as in the metrics (`events_per_ip`); it also keeps limits apart in Redis. */
  name: string;
  /** Requests allowed per key per window. */
  limit: number;
  /** A whole number of seconds, in ms. */
  windowMs: number;
  /** Redis, to count across instances; none by default. */
  shared?: { link: RedisLink; keyring: RedisKeyring } | null;
}

export class RateLimit {
  readonly name: string;
  readonly limit: number;
  readonly #memory: RateLimiterMemory;
  readonly #redis: { limiter: RateLimiterRedis; link: RedisLink; keyring: RedisKeyring } | null;
  #refused = 0;

  constructor(options: RateLimitOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`RateLimit: limit must be a positive integer, got ${options.limit}`);
    }
    if (!Number.isInteger(options.windowMs / 1000) || options.windowMs < 1000) {
      throw new RangeError(`RateLimit: windowMs must be a whole number of seconds, got ${options.windowMs}`);
    }
    this.name = options.name;
    this.limit = options.limit;
    const settings = { points: options.limit, duration: options.windowMs / 1000 };
    this.#memory = new RateLimiterMemory(settings);
    const shared = options.shared ?? null;
    this.#redis =
      shared === null
        ? null
        : {
            limiter: new RateLimiterRedis({ ...settings, storeClient: shared.link.client, keyPrefix: 'vo:rl', rejectIfRedisNotReady: true }),
            link: shared.link,
            keyring: shared.keyring,
          };
  }

  /** Counts one request for `key` and says whether it is allowed. Never rejects. */
  async take(key: string): Promise<RateLimitDecision> {
    const decision = await this.#ask(key, true, (limiter, k) => limiter.consume(k));
    if (!decision.ok) this.#refused += 1;
    return decision;
  }

  /** What `take(key)` would answer now, without counting anything. Never rejects. */
  peek(key: string): Promise<RateLimitDecision> {
    return this.#ask(key, false, (limiter, k) => limiter.get(k));
  }

  /** Requests refused since start (for metrics). */
  get refused(): number {
    return this.#refused;
  }

  /** In Redis within its budget when it is up, else (or when that fails) in memory. */
  async #ask(
    key: string,
    counts: boolean,
    op: (limiter: RateLimiterMemory | RateLimiterRedis, key: string) => Promise<RateLimiterRes | null>,
  ): Promise<RateLimitDecision> {
    const redis = this.#redis;
    if (redis !== null) {
      const name = redis.keyring.name(`limit:${this.name}`, key);
      const shared = await redis.link.run(() => answered(op(redis.limiter, name)));
      if (shared !== LOCAL) return this.#decision(shared, counts);
    }
    // The memory store does not fail; if it ever did, the request would be let through.
    return this.#decision(await answered(op(this.#memory, key)).catch(() => null), counts);
  }

  /** `counted`: `res` includes this request (take), or only the ones before it (peek). */
  #decision(found: RateLimiterRes | null, counted: boolean): RateLimitDecision {
    // The memory store's get() still shows a window that ended but whose timer has not run yet.
    const res = found !== null && !counted && found.msBeforeNext <= 0 ? null : found;
    const consumed = res?.consumedPoints ?? 0;
    const resetSeconds = Math.max(1, Math.ceil((res?.msBeforeNext ?? 0) / 1000));
    // consume() counts a refused request too: a key past the limit has consumed > limit.
    const allowed = counted ? consumed <= this.limit : consumed < this.limit;
    if (!allowed) return { ok: false, retryAfterSeconds: resetSeconds, remaining: 0, resetSeconds };
    return { ok: true, retryAfterSeconds: 0, remaining: Math.max(0, this.limit - consumed), resetSeconds };
  }
}

/** rate-limiter-flexible rejects with its result when a key is over the limit: that is an answer, not a failure. */
function answered(call: Promise<RateLimiterRes | null>): Promise<RateLimiterRes | null> {
  return call.catch((err: unknown) => {
    if (err instanceof RateLimiterRes) return err;
    throw err;
  });
}
