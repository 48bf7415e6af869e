// The upstream budget of one API key: token-bucket.ts's arithmetic, kept in this instance, or in
// Redis when the router has one, so every instance of a site draws on one bucket. A Redis
// operation has the link's 50 ms budget; when Redis is down, slow or failing, this instance draws
// on its own bucket (each instance then allows the whole budget, as the rate limits do) until
// Redis is back.
//
// In Redis: `vo:budget:<name>`, a hash (tokens, their time, the provider's quota and its end),
// updated by one Lua script per call with this instance's clock (a clock behind the others only
// refills less). `name` is the keyring's pseudonym of the API key (redis/keyring.ts), never the key.
import type { RedisKeyring } from '../redis/keyring.js';
import { LOCAL, type RedisLink } from '../redis/redis-link.js';
import { bucketConfig, initialState, observe, RESET_JITTER_MS, reserveFor, take, type BucketConfig, type BucketState, type CallPriority, type ProviderQuota } from './token-bucket.js';

export interface UpstreamBudgetOptions {
  callsPerMinute: number;
  /** Redis, to share the bucket across instances; none by default. */
  shared?: { link: RedisLink; keyring: RedisKeyring } | null;
  now?: () => number;
}

export interface UpstreamBudgetStats {
  callsPerMinute: number;
  granted: Record<CallPriority, number>;
  refused: Record<CallPriority, number>;
}

// KEYS[1] the bucket. ARGV: now, burst, rate per ms, tokens needed, ttl ms. Returns 1 (granted) or 0.
const TAKE = `
local now = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local needed = tonumber(ARGV[4])
local s = redis.call('HMGET', KEYS[1], 't', 'a', 'q', 'r')
local tokens = tonumber(s[1]) or burst
local at = tonumber(s[2]) or now
local quota = tonumber(s[3])
local resetAt = tonumber(s[4]) or 0
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
if quota and now >= resetAt then quota = nil end
local granted = 0
if tokens >= needed and (not quota or quota >= needed) then
  granted = 1
  tokens = tokens - 1
  if quota then quota = quota - 1 end
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', tostring(at), 'q', quota and tostring(quota) or '', 'r', tostring(resetAt))
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[5]), resetAt - now))
return granted`;

// KEYS[1] the bucket. ARGV: now, burst, remaining, resetAt, ttl ms, reset jitter ms. Only ever lowers
// the quota within a window; a later window's count replaces it, an earlier window's is ignored.
const OBSERVE = `
local now = tonumber(ARGV[1])
local remaining = tonumber(ARGV[3])
local resetAt = tonumber(ARGV[4])
local jitter = tonumber(ARGV[6])
local s = redis.call('HMGET', KEYS[1], 't', 'a', 'q', 'r')
local quota = tonumber(s[3])
local oldReset = tonumber(s[4]) or 0
if quota and now >= oldReset then quota = nil end
if quota and resetAt < oldReset - jitter then return 0 end
if quota and resetAt <= oldReset + jitter then
  remaining = math.min(quota, remaining)
  resetAt = math.max(oldReset, resetAt)
end
redis.call('HSET', KEYS[1], 't', s[1] or ARGV[2], 'a', s[2] or ARGV[1], 'q', tostring(remaining), 'r', tostring(resetAt))
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[5]), resetAt - now))
return 1`;

type Script = (...args: Array<string | number>) => Promise<unknown>;

/** Long enough for an idle bucket to refill before its key lapses (a lapsed key reads as full). */
const KEY_TTL_MS = 120_000;

export class UpstreamBudget {
  readonly config: BucketConfig;
  readonly #now: () => number;
  readonly #redis: { link: RedisLink; key: string; take: Script; observe: Script } | null;
  #local: BucketState;
  readonly #granted: Record<CallPriority, number> = { cold: 0, refresh: 0, background: 0 };
  readonly #refused: Record<CallPriority, number> = { cold: 0, refresh: 0, background: 0 };

  constructor(options: UpstreamBudgetOptions) {
    this.config = bucketConfig(options.callsPerMinute);
    this.#now = options.now ?? Date.now;
    this.#local = initialState(this.config, this.#now());
    const shared = options.shared ?? null;
    this.#redis = shared === null ? null : { link: shared.link, key: `vo:budget:${shared.keyring.accountName('upstream-budget')}`, ...scripts(shared.link) };
  }

  /** Whether a call of this priority may be made now; when true, it is counted as made. Never rejects. */
  async take(priority: CallPriority): Promise<boolean> {
    const granted = await this.#take(priority);
    if (granted) this.#granted[priority]++;
    else this.#refused[priority]++;
    return granted;
  }

  /** What the provider's X-RateLimit-* headers said after a call. */
  observe(quota: ProviderQuota): void {
    const now = this.#now();
    this.#local = observe(this.config, this.#local, now, quota);
    const redis = this.#redis;
    if (redis === null) return;
    const resetAt = Math.min(quota.resetAt, now + this.config.maxResetMs);
    if (!(resetAt > now) || !(quota.remaining >= 0)) return;
    void redis.link.run(() => redis.observe(redis.key, now, this.config.burst, Math.floor(quota.remaining), resetAt, KEY_TTL_MS, RESET_JITTER_MS));
  }

  stats(): UpstreamBudgetStats {
    return { callsPerMinute: this.config.callsPerMinute, granted: { ...this.#granted }, refused: { ...this.#refused } };
  }

  async #take(priority: CallPriority): Promise<boolean> {
    const now = this.#now();
    const redis = this.#redis;
    if (redis !== null) {
      const needed = 1 + reserveFor(this.config, priority);
      const answer = await redis.link.run(() => redis.take(redis.key, now, this.config.burst, this.config.ratePerMs, needed, KEY_TTL_MS));
      if (answer !== LOCAL) return answer === 1;
    }
    const { granted, state } = take(this.config, this.#local, now, priority);
    this.#local = state;
    return granted;
  }
}

function scripts(link: RedisLink): { take: Script; observe: Script } {
  const redis = link.client;
  const commands = redis as unknown as Record<string, Script | undefined>;
  const define = (name: string, lua: string): Script => {
    if (commands[name] === undefined) redis.defineCommand(name, { numberOfKeys: 1, lua });
    const command = commands[name];
    if (command === undefined) throw new Error(`ioredis did not define ${name}`);
    return (...args) => command.apply(redis, args);
  };
  return { take: define('visitorOffersBudgetTake', TAKE), observe: define('visitorOffersBudgetObserve', OBSERVE) };
}
