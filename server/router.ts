// `visitorOffers(options)`: the request handler a developer mounts on an existing app. It owns its
// DataFast client, cache, store, outbox and offers; two routers with different options coexist.
// Options are checked first, in full, before anything is read, opened or started.
import type { IncomingMessage, ServerResponse } from 'node:http';
import cookieParser from 'cookie-parser';
import express, { Router, type ErrorRequestHandler } from 'express';
import { VisitorCache } from './cache/visitor-cache.js';
import { OffersRef } from './config/offers-ref.js';
import { ConfigError } from './config/config-error.js';
import { namedByEnv } from './config/env.js';
import { parseOptions, type ResolvedOptions } from './config/options.js';
import type { VisitorOffersOptions } from './config/options-types.js';
import { activeAnalytics, analyticsClient } from './analytics/connect.js';
import { OutboxWorker, type LaneSpec } from './delivery/worker.js';
import { GoalOutbox } from './events/outbox.js';
import { experimentJobs } from './experiments/experiment-jobs.js';
import { BearerGuard } from './http/auth.js';
import { RateLimit } from './http/rate-limit.js';
import { noSniff } from './http/security-headers.js';
import { requestTrust } from './http/trust-proxy.js';
import { LeadWebhook } from './leads/forwarder.js';
import { LiveSource } from './live/live-source.js';
import { defaultRouterLogger, type Logger } from './logger.js';
import { Readiness, type StoreOpenState, type UpstreamBreaker } from './health/readiness.js';
import { routerHealth, type RouterHealth } from './health/router-health.js';
import { StoreProbe } from './health/store-probe.js';
import { registerCollectors } from './metrics/collectors.js';
import { metricsHandler, type MetricsHandler } from './metrics/metrics-handler.js';
import { requestMetrics } from './metrics/request-metrics.js';
import { RouterMetrics } from './metrics/router-metrics.js';
import { attachInternals, type RouterInternals } from './router-internals.js';
import { conversionsHandlers } from './routes/conversions.js';
import { DASHBOARD_INTERVAL_MS, dashboardRoutes } from './routes/dashboard.js';
import { eventsHandler } from './routes/events.js';
import { experimentsHandler } from './routes/experiments.js';
import { leadsHandler } from './routes/leads.js';
import { liveHandler } from './routes/live.js';
import { offerHandler } from './routes/offer.js';
import { previewLinksRoutes } from './routes/preview-links.js';
import { reply } from './routes/reply.js';
import { NO_REDIS, SharedState } from './redis/shared-state.js';
import { widgetRoutes } from './routes/widget.js';
import { DataDirInUseError, DataDirLock } from './store/data-dir-lock.js';
import { openStoreRef } from './store/store-ref.js';
import { OfferFactsCache } from './offers/facts-cache.js';
import { PoolStock } from './offers/pool-stock.js';
import type { DeliveryTarget } from './store/store.js';
import { PG_CONNECT_TIMEOUT_MS, PG_STATEMENT_TIMEOUT_MS } from './store/postgres.js';
import { DEFAULT_BUSY_TIMEOUT_MS } from './store/sqlite.js';
import { outboxLeaseMs } from './delivery/lease.js';
import { PoolSync } from './offers/pool-sync.js';
import { PreviewKey } from './preview/token.js';
import { DecisionKeys } from './decision-token/decision-keys.js';
import { UpstreamBudget } from './upstream/upstream-budget.js';
import { budgeted } from './upstream/budgeted.js';
import { signalsOf, type BehaviourSignals } from './scoring/signals.js';

export type { RouterHealth };

/**
 * A request handler for `app.use('/visitor-offers', router)` (Express, or any Connect-style app),
 * with the two things a host app needs besides routing.
 */
export interface VisitorOffersRouter {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /**
   * Stops background work and the delivery worker (deliveries being sent get up to `timeoutMs`,
   * default 2000, to finish; queued ones stay in the store for the next start), closes the store.
   */
  close(timeoutMs?: number): Promise<void>;
  /** The router's state, for a health or readiness endpoint: `ready`, and `reasons` when not. */
  health(): RouterHealth;
  /**
   * A handler answering `GET` with the router's metrics in Prometheus' text format, for the host
   * app to mount where it likes (`app.get('/metrics', router.metrics())`). It needs the admin token
   * unless `metrics.public` is true, and answers 404 when neither is set.
   */
  metrics(): MetricsHandler;
}

const MINUTE = 60_000;

/**
 * Creates the router: `GET /offer`, `GET /live`, `POST /events`, `POST /leads`, `POST /conversions`, `GET /widget.js`,
 * the dashboard, `GET /experiments` and `/preview-links`, under wherever it is mounted.
 * @throws ConfigError when an option is wrong, naming it; nothing has been opened then.
 */
export function visitorOffers(options: VisitorOffersOptions): VisitorOffersRouter {
  let o: ResolvedOptions;
  let logger: Logger;
  let offers: OffersRef;
  let lock: DataDirLock | null;
  try {
    o = parseOptions(options);
    logger = o.logger ?? defaultRouterLogger(o.logLevel);
    // Reads the offers file and pool files: a problem there is still a ConfigError, before any socket, timer or store.
    offers = new OffersRef(o.offers, logger);
    // One writer per data directory: a second router on it, here or in another process, is refused now.
    lock = o.databaseUrl === null ? claimDataDir(o.dataDir) : null;
  } catch (err) {
    throw err instanceof ConfigError ? namedByEnv(options, err) : err;
  }

  // The provider's client (DataFast or PostMetric); everything after it is the same for both.
  const df = activeAnalytics(o);
  const visitorSource = { provider: df.provider, cookie: o.visitorCookie };
  const metrics = new RouterMetrics();
  const client = analyticsClient(o, logger);
  // With Redis, instances share the visitor cache, the rate limits, the realtime map and the 429
  // pause; each falls back to its own when Redis is down or slow (redis/shared-state.ts).
  const shared = o.redisUrl === null ? null : new SharedState({ url: o.redisUrl, apiKey: df.apiKey, websiteId: df.websiteId, logger, lookupBudgetMs: df.timeoutMs });
  shared?.sharePause(client);
  // Every DataFast call draws on the upstream budget (one bucket per API key, in Redis when shared):
  // cold lookups first; refreshes, the reconciliation, goals and the realtime map only while some
  // is left (upstream/).
  const budget = o.upstream.callsPerMinute === null ? null : new UpstreamBudget({ callsPerMinute: o.upstream.callsPerMinute, shared });
  if (budget !== null) client.onQuota((quota) => budget.observe(quota));
  // Every DataFast call goes through metrics.upstream, which counts and times it by endpoint and outcome.
  const cache = new VisitorCache((id, priority) => budgeted(budget, priority, () => metrics.upstream('visitors', () => client.getVisitor(id))), { ...o.cache, shared: shared?.visitors });
  const poolSync = new PoolSync();
  // Each visitor's first exposure and claimed code as this instance last read them (offers/facts-cache.ts).
  const facts = new OfferFactsCache(o.cache.max);
  const stock = new PoolStock({ lowStockWarning: o.codes.lowStockWarning, logger });
  let storeState: StoreOpenState['state'] = 'opening';
  let storeOpenError: string | null = null;
  // Goals and lead deliveries are rows in the store's outbox, sent by one worker (delivery/).
  const leadTargets: DeliveryTarget[] = o.leadsWebhookUrl === null ? ['datafast'] : ['datafast', 'webhook'];
  // Opened in the background and, when it cannot be (a read-only or full disk, a database that is
  // down), tried again until it can: leads and events answer 503 meanwhile, offers are still decided.
  const store = openStoreRef(
    { dataDir: o.dataDir, databaseUrl: o.databaseUrl, retentionDays: o.retentionDays, lock, logger },
    {
      onOpen: (_s, attempt) => {
        storeState = 'ok';
        storeOpenError = null;
        if (attempt > 1) logger.info({ attempt }, 'store opened: leads and events are stored again');
        void outbox.start(leadTargets); // rows queued before a restart are delivered now
        jobs.reconciler.start();
      },
      onError: (err, attempt, retryInMs) => {
        const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
        const changed = code !== storeOpenError;
        storeState = 'unavailable';
        storeOpenError = code;
        // Logged at the first failure and whenever the cause changes, not at every retry.
        if (attempt > 1 && !changed) return;
        const message = err instanceof Error ? err.message : String(err);
        // By its code and message only: never the database URL.
        if (o.databaseUrl !== null) logger.error({ code, err: message, retryInMs }, 'cannot open the store (DATABASE_URL); tried again until it opens');
        else logger.error({ code, err: message, dataDir: o.dataDir, retryInMs }, 'cannot open the data directory; tried again until it opens');
      },
    },
  );
  const leadOf = (id: string) => store.ready.then((s) => s.lead(id));
  const webhook = o.leadsWebhookUrl === null ? null : new LeadWebhook({ url: o.leadsWebhookUrl, lead: leadOf });
  const goals = new GoalOutbox({
    // Goals wait for the budget like background work: visitors are looked up first.
    createGoal: (visitorId, name, metadata) => budgeted(budget, 'background', () => metrics.upstream('goals', () => client.createGoal(visitorId, name, metadata))),
    // A 429 or failures in a row open the goals breaker: no goal goes before its probe time.
    retryAt: () => client.retryAt('goals'),
    lead: leadOf,
    pending: () => {
      const { queued, inFlight } = outbox.stats().byKind.datafast;
      return queued + inFlight;
    },
    queuedOne: () => outbox.kick('datafast'),
    logger,
  });
  const lanes: LaneSpec[] = [{ kind: 'datafast', send: (e) => goals.send(e), pausedUntil: () => client.retryAt('goals') }];
  if (webhook !== null) lanes.push({ kind: 'webhook', send: (e) => webhook.send(e) });
  // A lease outlasts the slowest send and its store reads and settle twice over (delivery/lease.ts).
  const storeDeadlines = { statementMs: o.databaseUrl === null ? DEFAULT_BUSY_TIMEOUT_MS : PG_CONNECT_TIMEOUT_MS + PG_STATEMENT_TIMEOUT_MS };
  const outbox = new OutboxWorker({ store, lanes, logger, leaseMs: outboxLeaseMs([df.timeoutMs, webhook?.timeoutMs ?? 0], storeDeadlines) });
  const policy = () => offers.current.policy;
  // The holdout's record of decisions, and DataFast payments as conversions (experiments/).
  const jobs = experimentJobs({ store, policy, fetchPayments: (id) => budgeted(budget, 'background', () => metrics.upstream('visitors', () => client.getPaymentGoals(id))), reconcile: o.reconcile, timeoutMs: df.timeoutMs, logger });
  const fetchMap = () => budgeted(budget, 'background', () => metrics.upstream('realtime', () => client.getRealtimeMap()));
  const realtime = shared?.realtime(fetchMap) ?? null;
  const live = new LiveSource({ fetch: realtime?.fetcher(o.liveTtlMs) ?? fetchMap, intervalMs: o.liveTtlMs });
  const limit = (name: string, perMinute: number): RateLimit => new RateLimit({ name, limit: perMinute, windowMs: MINUTE, shared });
  const eventsPerIp = limit('events_per_ip', o.limits.eventsPerMinutePerIp);
  const eventsPerVisitor = limit('events_per_visitor', o.limits.eventsPerMinutePerVisitor);
  const leadsPerIp = limit('leads_per_ip', o.limits.leadsPerMinutePerIp);
  const conversionsPerIp = limit('conversions_per_ip', o.limits.conversionsPerMinute);
  // One for every route that takes a bearer token: wrong guesses add up across them.
  const guard = new BearerGuard({ failuresPerMinute: o.limits.authFailuresPerMinutePerIp, logger, shared });
  // sendBeacon posts text/plain; both carry the same small JSON.
  const json = express.json({ limit: '4kb', type: ['application/json', 'text/plain'] });
  // Decision tokens: signed with the configured secret, else with one generated once and kept in the store.
  const keys = new DecisionKeys({ secret: o.secret, previousSecret: o.previousSecret, store, logger });
  void keys.load().catch(() => undefined); // known before the first visitor when the store opens
  // Preview tokens are signed with a key derived from the admin token; the open demo dashboard,
  // which may have none, signs with a key of this process's own (its links die with it).
  const previewKey = o.adminToken !== null ? PreviewKey.fromAdminToken(o.adminToken) : o.dashboard === 'open' ? PreviewKey.random() : null;
  offers.watch();

  const breakers = (): readonly UpstreamBreaker[] => Object.values(client.breakers);
  // Only visitor lookups count for readiness: they decide offers. The realtime map only feeds /live
  // and the dashboard, and the outbox absorbs a goals outage (a backlog is every instance's alike:
  // it is in health() and the metrics, never a reason to take instances out of traffic).
  const probeVisitors = (): Promise<unknown> | null => {
    const call = client.probeVisitors();
    return call && metrics.upstream('visitors', () => call);
  };
  const readiness = new Readiness({
    store: () => ({ state: storeState, openErrorCode: storeOpenError, writes: store.current?.writeStats() ?? null }),
    probe: new StoreProbe(() => store.ready.then((s) => s.probe())),
    upstream: () => [{ breaker: client.breakers.visitors, probe: probeVisitors }],
    maxUpstreamOpenMs: o.maxUpstreamOpenMs,
  });
  registerCollectors(metrics.registry, {
    cache: () => cache.stats(),
    outbox,
    goals: () => goals.stats(),
    store: () => store.current,
    pools: () => offers.current.pools,
    poolSync,
    stock,
    limiters: { events_per_ip: eventsPerIp, events_per_visitor: eventsPerVisitor, leads_per_ip: leadsPerIp, conversions_per_ip: conversionsPerIp },
    breakers,
    pausedUntil: () => client.pausedUntil,
    readiness: () => readiness.check(),
    redis: () => shared?.stats() ?? null,
    reconciler: jobs.reconciler,
    bandits: jobs.banditMetrics,
    budget: () => budget?.stats() ?? null,
  });
  const requests = requestMetrics(metrics);

  const router = Router();
  router.use(requests.start);
  router.use(noSniff);
  router.use(cookieParser());
  router.get('/offer', offerHandler({ visitorSource, cache, offers: () => offers.current, store, poolSync, stock, holdMs: o.codes.holdMinutes * MINUTE, logger, keys, facts, previewKey, bandits: jobs.bandits, decided: jobs.decided, localScore: o.localScore }));
  router.get('/live', liveHandler({ source: live, logger }));
  // While the local score is on, each exposed visitor's signals are kept for `visitor-offers fit-score`.
  const exposureSignals = o.localScore.mode === 'off' ? undefined : (id: string): BehaviourSignals | null => {
    const visitor = cache.record(id);
    return visitor === undefined ? null : signalsOf(visitor);
  };
  router.post('/events', json, eventsHandler({ visitorSource, policy, store, keys, facts, outbox: goals, allowedOrigins: o.allowedOrigins, perIp: eventsPerIp, perVisitor: eventsPerVisitor, logger, ...(exposureSignals === undefined ? {} : { signalsOf: exposureSignals }) }));
  router.post('/leads', json, leadsHandler({ visitorSource, policy, store, keys, deliverTo: leadTargets, queued: () => outbox.kick(), allowedOrigins: o.allowedOrigins, perIp: leadsPerIp, logger }));
  router.post('/conversions', ...conversionsHandlers({ provider: df.provider, store, outbox: goals, tokens: [o.adminToken, o.conversionsToken], perIp: conversionsPerIp, guard, logger }));
  router.get('/experiments', experimentsHandler({ policy, store, adminToken: o.adminToken, guard, weightsInForce: jobs.weightsInForce, logger }));
  router.use(
    dashboardRoutes({
      policy,
      store,
      coupons: () => store.ready.then((s) => stock.report(s, offers.current.pools, poolSync)),
      fetchMap: realtime?.fetcher(DASHBOARD_INTERVAL_MS) ?? fetchMap,
      adminToken: o.adminToken,
      provider: df.provider,
      access: o.dashboard,
      guard,
      weightsInForce: jobs.weightsInForce,
      logger,
    }),
  );
  router.use(previewLinksRoutes({ policy, key: previewKey, adminToken: o.adminToken, access: o.dashboard, guard }));
  router.use(widgetRoutes({ logger, sourceMaps: o.sourceMaps }));
  router.use(errorHandler(logger));
  // Not ours: the host app answers it, and it is not counted as one of this router's requests.
  router.use(requests.passedOn);

  let closing: Promise<void> | null = null;
  // With `trustProxy`, Express resolves the client (rate limits) and the scheme and host (origin
  // check) of the requests this router handles with it; a request passed on leaves as it came.
  const trust = o.trustProxy === null ? null : requestTrust(o.trustProxy);
  const handler = ((req, res, next) => {
    const request = req as express.Request;
    if (trust === null) return router(request, res as express.Response, next);
    const leave = trust.enter(request);
    router(request, res as express.Response, (err?: unknown) => {
      leave();
      next(err);
    });
  }) as VisitorOffersRouter;
  handler.close = (timeoutMs = 2000) => {
    closing ??= (async () => {
      offers.close();
      await jobs.reconciler.stop();
      // Rows not delivered stay in the store: the next start (or another instance) sends them.
      await outbox.close(timeoutMs);
      await store.close();
      client.close();
      guard.close();
      shared?.close();
    })();
    return closing;
  };
  handler.health = () =>
    routerHealth({
      provider: df.provider,
      readiness,
      breakers,
      pausedUntil: () => client.pausedUntil,
      outbox: () => ({ ...outbox.stats(), ...goals.stats() }),
      cachedVisitors: () => cache.stats().size,
      redis: () => shared?.health() ?? NO_REDIS,
      offers: () => offers.status(),
    });
  const adminToken = o.adminToken;
  // Mounted by the host app outside the router, the handler still counts wrong tokens under the
  // client address `trustProxy` resolves, not the host app's `trust proxy`.
  const admitMetrics = async (req: express.Request, res: express.Response): Promise<boolean> => {
    const leave = trust?.enter(req);
    try {
      return await guard.admit(req, res, adminToken === null ? [] : [adminToken], 'admin token required');
    } finally {
      leave?.();
    }
  };
  const metricsOf = metricsHandler(metrics, o.metricsPublic ? { kind: 'public' } : { kind: 'token', adminToken, admit: admitMetrics }, logger);
  handler.metrics = () => metricsOf;
  const internals: RouterInternals = { cache, client, offers, store, keys, outbox, goals, live, logger, readiness, metrics, reconciler: jobs.reconciler, bandits: jobs.allocator, budget };
  attachInternals(handler, internals);
  return handler;
}

/** Malformed JSON, oversized bodies and unexpected failures: a JSON answer, never a stack trace. */
function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status >= 500) {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'request failed');
      return reply(res, 500, { error: 'internal error' });
    }
    const message = status === 413 ? 'body too large' : status === 400 ? 'body is not valid JSON' : 'bad request';
    reply(res, status, { error: message });
  };
}

/**
 * Takes the data directory's lock for the router's SQLite store. In use by another store: a
 * ConfigError, at mount. Any other failure (the directory cannot be created) is left to the
 * store's opening, which reports it by its code (and /leads answers 503).
 */
function claimDataDir(dataDir: string): DataDirLock | null {
  try {
    return DataDirLock.acquire(dataDir);
  } catch (err) {
    if (err instanceof DataDirInUseError) throw new ConfigError('dataDir', err.message);
    return null;
  }
}
