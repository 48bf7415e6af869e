// The realtime map fetched once per interval for the whole fleet (for /live and the dashboard),
// through Redis. Each LiveSource keeps its own rules (live/live-source.ts); its fetch becomes:
//
// - claim (one Lua round trip): the fleet's last attempt time is in Redis; if it is at least this
//   source's interval old, this instance takes the attempt and calls DataFast, then stores the
//   outcome (the map, or why it failed) stamped with the attempt's time.
// - otherwise it reads that outcome: at once when the attempt is done, or by polling while another
//   instance's call is in flight, for up to the lookup budget; then (the other instance died, or
//   Redis lost the value) it calls DataFast itself.
// So /live (every 15 s) and an open dashboard (every 5 s) share one fetch per the shorter interval,
// however many instances serve them, and a DataFast outage costs one call per interval, not one per
// instance. Redis down, slow or failing: each instance fetches for itself, as without Redis.
//
// The map's rows carry visitor ids and pages (the dashboard needs them), so the value is sealed
// (redis/keyring.ts) under a pseudonymous name: `vo:live:{name}` and `vo:live-at:{name}`.
import type { Redis } from 'ioredis';
import type { RealtimeLookup } from '../datafast/client.js';
import type { UnavailableCause } from '../datafast/lookup.js';
import type { RealtimeMap } from '../datafast/realtime.js';
import type { RedisKeyring } from '../redis/keyring.js';
import { LOCAL, type RedisLink } from '../redis/redis-link.js';
import type { LiveFetchResult } from './live-source.js';

export interface SharedRealtimeOptions {
  link: RedisLink;
  keyring: RedisKeyring;
  /** One realtime-map call to DataFast (counted by the metrics). */
  fetch: () => Promise<RealtimeLookup>;
  /** How long an instance waits for another's fetch: the lookup budget (datafast.timeoutMs). */
  waitMs: number;
  /** Between two looks while waiting. Default 25 ms. */
  pollMs?: number;
  now?: () => number;
}

export interface SharedRealtimeStats {
  /** DataFast calls this instance made through it (its claims, and fetches alone). */
  fetches: number;
  /** Answers taken from another instance's fetch. */
  shared: number;
  /** Fetches made alone: Redis unusable, or no answer from the claiming instance in time. */
  alone: number;
}

/** What Redis keeps of the last attempt: its time, and the map it brought or why it failed. */
interface Outcome {
  attemptAt: number;
  fetchedAt: number | null;
  map: RealtimeMap | null;
  failure: UnavailableCause | null;
}

const CLAIM = `
local last = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if tonumber(ARGV[1]) - last >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
  return {'claim', ARGV[1]}
end
return {'wait', tostring(last)}`;

type Script = (...args: Array<string | number>) => Promise<unknown>;

export class SharedRealtime {
  readonly #link: RedisLink;
  readonly #keyring: RedisKeyring;
  readonly #fetch: () => Promise<RealtimeLookup>;
  readonly #waitMs: number;
  readonly #pollMs: number;
  readonly #now: () => number;
  readonly #name: string;
  readonly #claim: Script;
  #fetches = 0;
  #shared = 0;
  #alone = 0;

  constructor(options: SharedRealtimeOptions) {
    this.#link = options.link;
    this.#keyring = options.keyring;
    this.#fetch = options.fetch;
    this.#waitMs = options.waitMs;
    this.#pollMs = options.pollMs ?? 25;
    this.#now = options.now ?? Date.now;
    this.#name = options.keyring.name('realtime', 'map');
    const client: Redis = options.link.client;
    const commands = client as unknown as Record<string, Script | undefined>;
    if (commands.visitorOffersClaimRealtime === undefined) client.defineCommand('visitorOffersClaimRealtime', { numberOfKeys: 2, lua: CLAIM });
    const claim = commands.visitorOffersClaimRealtime;
    if (claim === undefined) throw new Error('ioredis did not define visitorOffersClaimRealtime');
    this.#claim = (...args) => claim.apply(client, args);
  }

  /** The fetch function for a LiveSource whose interval is `intervalMs`. Never rejects (as long as the DataFast call does not). */
  fetcher(intervalMs: number): () => Promise<LiveFetchResult> {
    return () => this.#get(intervalMs);
  }

  stats(): SharedRealtimeStats {
    return { fetches: this.#fetches, shared: this.#shared, alone: this.#alone };
  }

  async #get(intervalMs: number): Promise<LiveFetchResult> {
    const [valueKey, attemptKey] = [`vo:live:{${this.#name}}`, `vo:live-at:{${this.#name}}`];
    const ttlMs = 2 * intervalMs + this.#waitMs;
    const reply = await this.#link.run(() => this.#claim(valueKey, attemptKey, this.#now(), intervalMs, ttlMs));
    if (reply === LOCAL || !Array.isArray(reply)) return this.#fetchAlone();
    const [kind, at] = reply as [string, string];
    const attemptAt = Number(at);
    if (kind === 'claim') return this.#fetchAndShare(valueKey, attemptAt, ttlMs);
    const deadline = this.#now() + this.#waitMs;
    for (;;) {
      const outcome = await this.#read(valueKey);
      if (outcome === LOCAL) return this.#fetchAlone();
      if (outcome !== null && outcome.attemptAt >= attemptAt) {
        this.#shared++;
        if (outcome.map !== null && outcome.fetchedAt !== null) return { kind: 'found', map: outcome.map, fetchedAt: outcome.fetchedAt };
        return { kind: 'unavailable', cause: outcome.failure ?? 'network' };
      }
      const left = deadline - this.#now();
      if (left <= 0) return this.#fetchAlone();
      await sleep(Math.min(this.#pollMs, left));
    }
  }

  async #fetchAndShare(valueKey: string, attemptAt: number, ttlMs: number): Promise<RealtimeLookup> {
    this.#fetches++;
    const result = await this.#fetch();
    const outcome: Outcome =
      result.kind === 'found'
        ? { attemptAt, fetchedAt: this.#now(), map: result.map, failure: null }
        : { attemptAt, fetchedAt: null, map: null, failure: result.cause };
    const sealed = this.#keyring.seal(Buffer.from(JSON.stringify(outcome)), this.#name);
    // Not awaited: the caller has its answer; the others are polling for this.
    void this.#link.run((client) => client.set(valueKey, sealed, 'PX', ttlMs));
    return result;
  }

  async #fetchAlone(): Promise<RealtimeLookup> {
    this.#alone++;
    this.#fetches++;
    return this.#fetch();
  }

  /** The last attempt's outcome, null when there is none (or it does not open), LOCAL when Redis failed. */
  async #read(valueKey: string): Promise<Outcome | null | typeof LOCAL> {
    const raw = await this.#link.run((client) => client.getBuffer(valueKey));
    if (raw === LOCAL || raw === null) return raw;
    const plain = this.#keyring.open(raw, this.#name);
    if (plain === null) return null;
    try {
      const o = JSON.parse(plain.toString('utf8')) as Outcome;
      return typeof o.attemptAt === 'number' ? o : null;
    } catch {
      return null;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
