// DataFast's 429 is about the account, which every instance shares: the instance that gets one
// stores the pause's end in Redis and publishes it, and every instance opens its breakers until
// then (datafast/breakers.ts), so none makes a call that would only prolong the rate limit. An
// instance that starts, or whose Redis comes back, during a pause reads it from the key.
//
// Only the pause is shared. A breaker's failures (timeouts, resets, 5xx) stay per instance: they
// may be this instance's own path to DataFast (its network, DNS, connections), one sick instance
// must not cut the fleet off, and sharing them would put a Redis round trip on every call. A 429,
// by contrast, is DataFast's word about the API key itself.
//
// In Redis: `vo:pause:<name>`, the pause's end (epoch ms) until it passes, and a channel of the
// same name; `name` is a pseudonym of the account (redis/keyring.ts).
import type { Redis } from 'ioredis';
import type { RedisKeyring } from './keyring.js';
import { LOCAL, type RedisLink } from './redis-link.js';

/** The DataFast client's side of it. */
export interface PausableClient {
  onRateLimited(listener: (until: number) => void): () => void;
  pauseUntil(until: number): void;
}

export interface SharedPauseOptions {
  link: RedisLink;
  keyring: RedisKeyring;
  client: PausableClient;
  now?: () => number;
}

// Keeps the later end; publishes only a pause that extends the stored one.
const ANNOUNCE = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('PUBLISH', KEYS[1], ARGV[1])
end
return 1`;

type Script = (...args: Array<string | number>) => Promise<unknown>;

export class SharedPause {
  readonly #link: RedisLink;
  readonly #client: PausableClient;
  readonly #now: () => number;
  readonly #key: string;
  readonly #subscriber: Redis;
  readonly #announce: Script;
  readonly #stop: Array<() => void> = [];

  constructor(options: SharedPauseOptions) {
    this.#link = options.link;
    this.#client = options.client;
    this.#now = options.now ?? Date.now;
    this.#key = `vo:pause:${options.keyring.accountName('pause')}`;
    const redis = options.link.client;
    const commands = redis as unknown as Record<string, Script | undefined>;
    if (commands.visitorOffersAnnouncePause === undefined) redis.defineCommand('visitorOffersAnnouncePause', { numberOfKeys: 1, lua: ANNOUNCE });
    const announce = commands.visitorOffersAnnouncePause;
    if (announce === undefined) throw new Error('ioredis did not define visitorOffersAnnouncePause');
    this.#announce = (...args) => announce.apply(redis, args);

    this.#stop.push(options.client.onRateLimited((until) => this.#share(until)));
    this.#stop.push(options.link.onUp(() => void this.#read()));
    // A connection of its own: a subscribed one can send nothing else. Its failures are the link's
    // too (same Redis), which logs them; this one only listens.
    this.#subscriber = redis.duplicate();
    this.#subscriber.on('error', () => undefined);
    this.#subscriber.on('message', (_channel: string, message: string) => this.#apply(Number(message)));
    this.#subscriber.on('ready', () => {
      this.#subscriber.subscribe(this.#key).catch(() => undefined);
    });
    this.#subscriber.connect().catch(() => undefined);
  }

  close(): void {
    for (const stop of this.#stop.splice(0)) stop();
    this.#subscriber.disconnect();
  }

  #share(until: number): void {
    const ms = Math.ceil(until - this.#now());
    if (ms <= 0) return;
    void this.#link.run(() => this.#announce(this.#key, until, ms));
  }

  async #read(): Promise<void> {
    const value = await this.#link.run((client) => client.get(this.#key));
    if (value !== LOCAL && value !== null) this.#apply(Number(value));
  }

  #apply(until: number): void {
    if (Number.isFinite(until) && until > this.#now()) this.#client.pauseUntil(until);
  }
}
