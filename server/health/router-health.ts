// What `router.health()` reports: readiness with its reasons, and the state behind it.
import type { OffersStatus } from '../config/offers-ref.js';
import type { OutboxStats } from '../delivery/worker.js';
import type { GoalOutboxStats } from '../events/outbox.js';
import type { RedisHealth } from '../redis/shared-state.js';
import type { Readiness, StoreHealth, UpstreamBreaker } from './readiness.js';

/** The router's state, as `health()` reports it. */
export interface RouterHealth {
  /** The analytics API visitors are looked up in and goals sent to: `datafast` or `postmetric`. */
  provider: 'datafast' | 'postmetric';
  /** `ok` when ready for traffic, `degraded` when not (see `reasons`); offers are still answered either way. */
  status: 'ok' | 'degraded';
  /**
   * Whether the router should get traffic: the store takes writes and (only with
   * `readiness.maxUpstreamOpenMs` set) DataFast's visitor lookups have not failed for longer than that.
   */
  ready: boolean;
  /** Why not ready, one line each, like `store: the data directory takes no writes (ENOSPC)`; empty when ready. */
  reasons: string[];
  /**
   * The durable store: `opening` at start, `ok` once it takes writes, `unavailable` if it could not
   * be opened, `not-writable` when a write failed or the data directory refuses one (a full or
   * read-only disk; leads and events are answered 503 meanwhile).
   */
  store: StoreHealth;
  /** When the data directory was last probed with a write (ISO time), null before the first probe. */
  storeCheckedAt: string | null;
  /** ISO time until which DataFast calls are paused after a 429, or null. */
  upstreamPausedUntil: string | null;
  /** Each DataFast breaker (`visitors`, `realtime`, `goals`): its state, and since when it has not been closed (ISO time, null while closed). */
  upstream: Array<{ endpoint: string; state: 'closed' | 'open' | 'half-open'; openSince: string | null }>;
  /**
   * The delivery outbox (goals for DataFast, leads for the webhook), counted in the store — every
   * instance's rows, as of a few seconds ago: `queued` (waiting, retries included), `inFlight`
   * (leased to a worker now), `failed` (given up after the last attempt) and `rejected` (refused for
   * good), the last two kept until the retention prunes them; then this instance's since it
   * started: `delivered`, and `dropped` (widget events' goals not queued: the outbox was full or
   * the store failed); `capacity`: queued goals past which widget events' goals are dropped.
   */
  outbox: { queued: number; inFlight: number; failed: number; rejected: number; delivered: number; dropped: number; capacity: number };
  /** Visitor records in the in-memory cache. */
  cachedVisitors: number;
  /**
   * Redis (`redisUrl`): `off` without one, `up` while instances share through it, `down` while this
   * one works alone (its own cache and limits). Never a reason to be unready: the fleet works
   * without Redis, only less shared.
   */
  redis: RedisHealth;
  /** Where the offers come from, when they were loaded, and the last rejected reload. */
  offers: OffersStatus;
}

export interface RouterHealthSources {
  provider: 'datafast' | 'postmetric';
  readiness: Readiness;
  breakers: () => readonly UpstreamBreaker[];
  pausedUntil: () => number;
  outbox: () => OutboxStats & GoalOutboxStats;
  cachedVisitors: () => number;
  redis: () => RedisHealth;
  offers: () => OffersStatus;
}

/** The report from what is known now: it never waits (a due store probe runs in the background). */
export function routerHealth(s: RouterHealthSources): RouterHealth {
  const r = s.readiness.current();
  const { queued, inFlight, failed, rejected, delivered, dropped, capacity } = s.outbox();
  return {
    provider: s.provider,
    status: r.ready ? 'ok' : 'degraded',
    ready: r.ready,
    reasons: r.reasons,
    store: r.store,
    storeCheckedAt: iso(r.storeCheckedAt),
    upstreamPausedUntil: iso(s.pausedUntil() || null),
    upstream: s.breakers().map((b) => ({ endpoint: b.endpoint, state: b.state(), openSince: iso(b.stats().openSince) })),
    outbox: { queued, inFlight, failed, rejected, delivered, dropped, capacity },
    cachedVisitors: s.cachedVisitors(),
    redis: s.redis(),
    offers: s.offers(),
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
