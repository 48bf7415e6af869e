// What one router shares through Redis when `redisUrl` is set: one connection (redis-link.ts:
// budget, up or down, logged once each way), one keyring (pseudonymous names, sealed values), and
// the parts built on them — the visitor cache's second level, the realtime map, the 429 pause; the
// rate limits take `link` and `keyring` themselves. Without `redisUrl` there is none of this, and
// every part works alone in the instance, as it does whenever Redis is down.
import { SharedVisitors } from '../cache/shared-visitors.js';
import type { RealtimeLookup } from '../datafast/client.js';
import { SharedRealtime } from '../live/shared-realtime.js';
import type { Logger } from '../logger.js';
import { RedisKeyring } from './keyring.js';
import { RedisLink, type RedisLinkStats, type RedisState } from './redis-link.js';
import { SharedPause, type PausableClient } from './shared-pause.js';

export interface SharedStateOptions {
  url: string;
  /** Keys are derived from it (redis/keyring.ts); it never goes to Redis. */
  apiKey: string;
  websiteId: string | null;
  logger: Logger;
  /** How long an instance waits for another's DataFast call: datafast.timeoutMs. */
  lookupBudgetMs: number;
  /** Budget of one Redis operation, default 50 ms. */
  budgetMs?: number;
}

/** Redis as `health()` reports it. */
export interface RedisHealth {
  /** `off` without `redisUrl`; `up` when shared; `connecting` at start; `down` while each instance is on its own. */
  state: RedisState | 'off';
  /** Since when (ISO time); null when off. */
  since: string | null;
  /** Operations answered locally because Redis was down, failed or overran its budget. */
  fallbacks: number;
}

export class SharedState {
  readonly link: RedisLink;
  readonly keyring: RedisKeyring;
  readonly visitors: SharedVisitors;
  readonly #lookupBudgetMs: number;
  readonly #pauses: SharedPause[] = [];

  constructor(options: SharedStateOptions) {
    this.link = new RedisLink({ url: options.url, logger: options.logger, ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }) });
    this.keyring = new RedisKeyring(options.apiKey, options.websiteId);
    this.#lookupBudgetMs = options.lookupBudgetMs;
    this.visitors = new SharedVisitors({ link: this.link, keyring: this.keyring, waitMs: options.lookupBudgetMs });
  }

  /** The realtime map for the fleet, around this instance's own call to DataFast. */
  realtime(fetch: () => Promise<RealtimeLookup>): SharedRealtime {
    return new SharedRealtime({ link: this.link, keyring: this.keyring, fetch, waitMs: this.#lookupBudgetMs });
  }

  /** Shares the client's 429 pauses with the fleet, and applies the fleet's. */
  sharePause(client: PausableClient): void {
    this.#pauses.push(new SharedPause({ link: this.link, keyring: this.keyring, client }));
  }

  stats(): RedisLinkStats {
    return this.link.stats();
  }

  health(): RedisHealth {
    const s = this.link.stats();
    return { state: s.state, since: new Date(s.since).toISOString(), fallbacks: s.fallbacks };
  }

  /** Drops the connections at once: nothing is left to write (the store is elsewhere). */
  close(): void {
    for (const pause of this.#pauses.splice(0)) pause.close();
    this.link.close();
  }
}

export const NO_REDIS: RedisHealth = Object.freeze({ state: 'off', since: null, fallbacks: 0 });
