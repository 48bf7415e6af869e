// Metrics read at scrape time from the stats the parts already keep (cache, outbox, store, coupon
// pools, rate limiters, breakers, readiness), so nothing on a request's
// path counts twice. A part's running total is exposed as a counter whose value is set from it at
// each scrape; a current level as a gauge.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { VisitorCacheStats } from '../cache/visitor-cache.js';
import type { OutboxStats } from '../delivery/worker.js';
import type { GoalOutboxStats } from '../events/outbox.js';
import type { BanditAllocatorStats } from '../experiments/bandit-allocator.js';
import type { ReconcilerStats } from '../experiments/reconciler.js';
import type { ReadinessReport, UpstreamBreaker } from '../health/readiness.js';
import type { RedisLinkStats } from '../redis/redis-link.js';
import type { UpstreamBudgetStats } from '../upstream/upstream-budget.js';
import type { PoolStock } from '../offers/pool-stock.js';
import type { PoolSync } from '../offers/pool-sync.js';
import type { CouponStock, Store } from '../store/store.js';
import { PREFIX } from './router-metrics.js';
import { LEAD_COUNT_CACHE_MS, ScrapeCache } from './scrape-cache.js';

export interface MetricSources {
  cache: () => VisitorCacheStats;
  /** The outbox: `refresh()` reads the store's counts for the scrape, `stats()` has this instance's counters. */
  outbox: { refresh(): Promise<OutboxStats>; stats(): OutboxStats };
  goals: () => GoalOutboxStats;
  /** The open store, or null while it opens or if it could not be opened. */
  store: () => Store | null;
  /** The current offers' single-use code pools, by offer id. */
  pools: () => ReadonlyMap<string, readonly string[]>;
  /** Loads a pool into the store before its codes are counted. */
  poolSync: PoolSync;
  /** Told each count of codes left, for the low-stock log. */
  stock?: PoolStock;
  /** Each rate limit by name (`events_per_ip`…) and its refusals so far. */
  limiters: Readonly<Record<string, { readonly refused: number }>>;
  breakers: () => readonly UpstreamBreaker[];
  /** Until when DataFast calls are paused after a 429 (epoch ms; 0 when not). */
  pausedUntil: () => number;
  readiness: () => Promise<ReadinessReport>;
  /** The upstream budget's counts; null when calls are not budgeted. */
  budget?: () => UpstreamBudgetStats | null;
  /** The Redis link's state and counts; null without `redisUrl`. */
  redis?: () => RedisLinkStats | null;
  /** The DataFast reconciliation's counts and its lookup budget. */
  reconciler?: { stats(): ReconcilerStats; budget(): { perMinute: number; available: number } };
  /** Each bandit's weights in force, by experiment and variant, and the allocator's counts. */
  bandits?: { weights(): Array<{ experiment: string; variant: string; weight: number }>; stats(): BanditAllocatorStats };
  now?: () => number;
}

type Labels = Record<string, string>;

const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
type Read = () => number | Array<[Labels, number]>;
type AsyncRead = () => Promise<number | Array<[Labels, number]>>;

export function registerCollectors(registry: Registry, s: MetricSources): void {
  const now = s.now ?? Date.now;
  const registers = [registry];
  const rows = (value: ReturnType<Read>): Array<[Labels, number]> => (typeof value === 'number' ? [[{}, value]] : value);
  const total = (name: string, help: string, read: Read, labelNames: string[] = []): void => {
    new Counter({
      name: PREFIX + name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [labels, value] of rows(read())) this.inc(labels, value);
      },
    });
  };
  const level = (name: string, help: string, read: Read | AsyncRead, labelNames: string[] = []): void => {
    new Gauge({
      name: PREFIX + name,
      help,
      labelNames,
      registers,
      async collect() {
        this.reset();
        for (const [labels, value] of rows(await read())) this.set(labels, value);
      },
    });
  };

  total('cache_hits_total', 'Visitor lookups answered by a fresh cached record.', () => s.cache().hits);
  total('cache_misses_total', 'Visitor lookups that started or joined a DataFast call.', () => s.cache().misses);
  total('cache_coalesced_total', 'Misses that joined a DataFast call already in flight for the same visitor.', () => s.cache().coalesced);
  total('cache_stale_served_total', 'Expired records served because DataFast was unavailable (stale-if-error).', () => s.cache().staleServed);
  total('cache_shared_hits_total', 'Visitor lookups answered from Redis with another instance\'s DataFast call (after waiting for it or not).', () => s.cache().sharedHits);
  total('cache_shared_waits_total', 'Visitor lookups that waited for another instance\'s DataFast call to the same visitor.', () => s.cache().sharedWaits);
  level('cache_entries', 'Visitor records in the cache, expired ones kept for stale-if-error included.', () => s.cache().size);
  level('cache_bytes', 'Estimated heap bytes of the cached visitor records (bounded by cache.maxBytes).', () => s.cache().bytes);

  type KindStats = OutboxStats['byKind']['datafast'];
  const rowsByKind = (stats: OutboxStats, read: (k: KindStats) => number): Array<[Labels, number]> => Object.entries(stats.byKind).map(([kind, k]): [Labels, number] => [{ kind }, read(k)]);
  const stored = (read: (k: KindStats) => number) => async () => rowsByKind(await s.outbox.refresh(), read);
  const counted = (read: (k: KindStats) => number) => () => rowsByKind(s.outbox.stats(), read);
  level('outbox_queued', 'Deliveries waiting in the store (retries included), every instance\'s, by kind (datafast: goals; webhook: leads).', stored((k) => k.queued), ['kind']);
  level('outbox_in_flight', 'Deliveries leased to a worker now, every instance\'s, by kind.', stored((k) => k.inFlight), ['kind']);
  level('outbox_failed', 'Deliveries given up after their last attempt, kept until the retention prunes them, every instance\'s, by kind.', stored((k) => k.failed), ['kind']);
  level('outbox_rejected', 'Deliveries their target refused for good (DataFast 400/404, a webhook 4xx), kept until the retention prunes them, by kind.', stored((k) => k.rejected), ['kind']);
  level('outbox_capacity', 'Queued goals past which widget events\' goals are dropped.', () => s.goals().capacity);
  total('outbox_delivered_total', 'Deliveries this instance made, by kind.', counted((k) => k.delivered), ['kind']);
  total('outbox_retries_total', 'Deliveries this instance put back for another try (a failed attempt, or a pause DataFast asked for), by kind.', counted((k) => k.retries), ['kind']);
  total('outbox_dropped_total', 'Widget events\' goals not queued: the outbox was full, or the store failed.', () => s.goals().dropped);

  // A count of every lead, reused for 10 s: scraping often costs no more however many leads there are.
  const leadCount = new ScrapeCache<number>(LEAD_COUNT_CACHE_MS, s.now);
  // A pool's stock, one aggregate read shared by the scrape's three code gauges (exact at every scrape).
  const stock = new ScrapeCache<CouponStock>(0, s.now);
  level('leads_stored', 'Leads in the store (counted at most every 10 s).', async () => {
    const store = s.store();
    return store === null ? 0 : leadCount.get('', () => store.leadCount());
  });

  const poolRows = (read: (store: Store, offer: string, pool: readonly string[]) => Promise<number>) => async (): Promise<Array<[Labels, number]>> => {
    const store = s.store();
    if (store === null) return [];
    return Promise.all([...s.pools()].map(async ([offer, pool]): Promise<[Labels, number]> => [{ offer }, await read(store, offer, pool)]));
  };
  // One stock read per offer serves the three code gauges of a scrape.
  const stockOf = (st: Store, offer: string, pool: readonly string[]): Promise<CouponStock> => {
    stock.retain(new Set(s.pools().keys()));
    return stock.get(offer, async () => {
      await s.poolSync.ensure(st, offer, pool);
      return st.couponStock(offer);
    });
  };
  level(
    'coupon_codes_left',
    'Single-use codes of the pool a new visitor could get: free, or held past their hold (an SQL count), by offer.',
    poolRows(async (st, offer, pool) => {
      const { left } = await stockOf(st, offer, pool);
      s.stock?.observe(offer, left);
      return left;
    }),
    ['offer'],
  );
  level('coupon_codes_held', 'Single-use codes held for a visitor whose offer showed them, not yet claimed by an exposure, by offer.', poolRows(async (st, offer, pool) => (await stockOf(st, offer, pool)).held), ['offer']);
  level('coupon_codes_claimed', 'Single-use codes claimed for good by a visitor\'s exposure, by offer.', poolRows(async (st, offer, pool) => (await stockOf(st, offer, pool)).claimed), ['offer']);
  level('coupon_pool_codes', 'Codes in the pool file, by offer.', poolRows((_st, _offer, pool) => Promise.resolve(pool.length)), ['offer']);

  total('rate_limit_refusals_total', 'Requests answered 429 by a rate limit, by limit.', () => Object.entries(s.limiters).map(([limit, l]) => [{ limit }, l.refused]), ['limit']);

  level(
    'upstream_breaker_state',
    'Each DataFast endpoint breaker: 1 for its current state (closed, open, half-open), 0 for the others.',
    () => s.breakers().flatMap((b) => {
      const current = b.state();
      return BREAKER_STATES.map((state): [Labels, number] => [{ endpoint: b.endpoint, state }, current === state ? 1 : 0]);
    }),
    ['endpoint', 'state'],
  );
  total('upstream_breaker_opened_total', 'Times a DataFast endpoint breaker went from closed to open.', () => s.breakers().map((b) => [{ endpoint: b.endpoint }, b.stats().opened]), ['endpoint']);
  total('upstream_breaker_refused_total', 'Calls a breaker answered at once, without a network call.', () => s.breakers().map((b) => [{ endpoint: b.endpoint }, b.stats().refused]), ['endpoint']);
  level(
    'upstream_breaker_open_seconds',
    'How long each DataFast endpoint breaker has not been closed; 0 while closed.',
    () => s.breakers().map((b) => {
      const since = b.stats().openSince;
      return [{ endpoint: b.endpoint }, since === null ? 0 : Math.max(0, now() - since) / 1000];
    }),
    ['endpoint'],
  );
  level('upstream_paused_seconds', 'Seconds left of the pause DataFast asked for with a 429; 0 when not paused.', () => Math.max(0, s.pausedUntil() - now()) / 1000);

  const budgetRows = (read: (b: UpstreamBudgetStats) => Record<string, number>) => (): Array<[Labels, number]> => {
    const stats = s.budget?.() ?? null;
    return stats === null ? [] : Object.entries(read(stats)).map(([priority, n]): [Labels, number] => [{ priority }, n]);
  };
  total('upstream_budget_granted_total', 'Calls to the analytics API the upstream budget let through, by priority (cold, refresh, background); absent without a budget.', budgetRows((b) => b.granted), ['priority']);
  total('upstream_budget_refused_total', 'Calls the upstream budget refused (none made), by priority; absent without a budget.', budgetRows((b) => b.refused), ['priority']);

  level('store_bytes', 'Bytes the store takes (SQLite: the database and its WAL; Postgres: its tables).', async () => (await s.store()?.sizeBytes()) ?? 0);
  total('store_write_failures_total', 'Store writes (transactions) that failed, e.g. on a full disk or a lost database connection.', () => s.store()?.writeStats().failures ?? 0);
  level('store_writable', '1 when the store takes writes (see /readyz), else 0.', async () => ((await s.readiness()).store === 'ok' ? 1 : 0));
  const redis = (read: (r: RedisLinkStats) => number) => (): Array<[Labels, number]> => {
    const stats = s.redis?.() ?? null;
    return stats === null ? [] : [[{}, read(stats)]];
  };
  level('redis_up', '1 while Redis is shared (up), 0 while this instance works alone (connecting or down); absent without redisUrl.', redis((r) => (r.state === 'up' ? 1 : 0)));
  total('redis_fallbacks_total', 'Redis operations done locally instead: Redis down, or the operation failed or overran its 50 ms budget.', redis((r) => r.fallbacks));
  total('redis_timeouts_total', 'Redis operations that overran their budget.', redis((r) => r.timeouts));
  total('redis_errors_total', 'Redis operations that failed (connection lost, an error reply).', redis((r) => r.errors));
  total('redis_outages_total', 'Times Redis went down for this instance (it then recovers by itself).', redis((r) => r.outages));

  const reconciler = s.reconciler;
  if (reconciler !== undefined) {
    total('reconcile_lookups_total', 'DataFast visitor lookups the conversion reconciliation made (this instance).', () => reconciler.stats().looks);
    total('reconcile_conversions_total', 'Conversions the reconciliation found: DataFast payments after an exposure, one per experiment converted.', () => reconciler.stats().conversions);
    total('reconcile_failures_total', 'Reconciliation ticks ended early by a failure of the store or DataFast.', () => reconciler.stats().failures);
    level('reconcile_budget_per_minute', 'DataFast lookups a minute the reconciliation may make (reconcile.callsPerMinute; 0: off).', () => reconciler.budget().perMinute);
    level('reconcile_budget_available', 'Lookups the reconciliation may make now (its token bucket: at most 10 s worth).', () => reconciler.budget().available);
  }
  const bandits = s.bandits;
  if (bandits !== undefined) {
    level('bandit_weight', 'Each bandit arm\'s share of new visitors in force on this instance (recomputed at most every 15 minutes).', () => bandits.weights().map((w): [Labels, number] => [{ experiment: w.experiment, variant: w.variant }, w.weight]), ['experiment', 'variant']);
    total('bandit_reallocations_total', 'Bandit weights computed from results (this instance).', () => bandits.stats().reallocations);
    total('bandit_read_failures_total', 'Reads of a bandit\'s results that failed (its weights in force stay).', () => bandits.stats().failures);
  }

  level('ready', '1 when the router is ready for traffic (see /readyz), else 0.', async () => ((await s.readiness()).ready ? 1 : 0));
}
