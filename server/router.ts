// `visitorOffers(options)`: the Express Router a developer mounts on an existing app. It owns its
// DataFast client, cache, store, outbox and decision policy; two routers with different options
// coexist. Options are checked here, once: a mistake is reported at mount time, not per request.
import cookieParser from 'cookie-parser';
import express, { Router, type ErrorRequestHandler } from 'express';
import { VisitorCache, type VisitorCacheOptions } from './cache/visitor-cache.js';
import { ConfigError, isHttpUrl } from './config-error.js';
import { authMode, DataFastClient } from './datafast/client.js';
import { GOAL_NAMES } from './datafast/goals.js';
import type { Policy } from './decision/decide.js';
import { buildPolicy, type DecisionSettings } from './decision/policy.js';
import { GoalOutbox } from './events/outbox.js';
import { RateLimiter } from './http/rate-limit.js';
import { LeadForwarder } from './leads/forwarder.js';
import { LiveSource } from './live/live-source.js';
import { silentLogger, type Logger } from './logger.js';
import { loadCouponPools } from './offers/coupon-pools.js';
import { eventsHandler } from './routes/events.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { experimentsHandler } from './routes/experiments.js';
import { leadsHandler } from './routes/leads.js';
import { liveHandler } from './routes/live.js';
import { offerHandler } from './routes/offer.js';
import { reply } from './routes/reply.js';
import { widgetRoutes } from './routes/widget.js';
import { openStoreRef, type StoreRef } from './store/store-ref.js';

export interface VisitorOffersOptions {
  datafast: {
    /** `df_…` website key or `dft_…` account token. */
    apiKey: string;
    /** Required with a `dft_` token. */
    websiteId?: string;
    /** Default `https://datafa.st`. */
    apiUrl?: string;
    /** Budget for one DataFast call including its retry, default 1,500 ms. */
    timeoutMs?: number;
  };
  cache?: VisitorCacheOptions;
  /** Offers, rules, experiments, thresholds (the offers file's content). */
  decisions?: DecisionSettings;
  /** Directory of the durable store (leads, exposures, coupon codes). Default `./data`. */
  dataDir?: string;
  /** Other origins allowed to POST events and leads (the router's own origin always is). */
  allowedOrigins?: string[];
  /** Bearer token for GET /experiments; without one the route answers 404. */
  adminToken?: string | null;
  /** Where each lead is POSTed as JSON, after it is stored. */
  leadsWebhookUrl?: string | null;
  /**
   * Who may see the operator dashboard (GET /dashboard: active visitors with the offer each would
   * get, recent events and payments, experiment results). `'protected'` (default): its data needs
   * `Authorization: Bearer <adminToken>`, and without an adminToken it answers 404. `'open'`: no
   * token; for the demo or a server only the operator can reach, never a public site.
   */
  dashboard?: 'open' | 'protected';
  /** How often the realtime map may be fetched for /live, default 15 s. */
  liveIntervalMs?: number;
  limits?: {
    eventsPerMinutePerIp?: number;
    eventsPerMinutePerVisitor?: number;
    leadsPerMinutePerIp?: number;
  };
  logger?: Logger;
}

/** What a router exposes besides routing: for the standalone server's health and metrics, and tests. */
export interface VisitorOffersInternals {
  readonly cache: VisitorCache;
  readonly client: DataFastClient;
  readonly policy: Policy;
  readonly store: StoreRef;
  readonly outbox: GoalOutbox;
  readonly forwarder: LeadForwarder;
  readonly live: LiveSource;
  /** Stops background work, delivers what it can within `timeoutMs`, and closes the store. */
  close(timeoutMs?: number): Promise<void>;
}

export interface VisitorOffersRouter extends Router {
  readonly visitorOffers: VisitorOffersInternals;
}

const MINUTE = 60_000;

export function visitorOffers(options: VisitorOffersOptions): VisitorOffersRouter {
  const policy = checkOptions(options);
  const pools = loadCouponPools(policy.offers.values());
  const logger = options.logger ?? silentLogger();
  const df = options.datafast;
  const client = new DataFastClient({ apiKey: df.apiKey, websiteId: df.websiteId, baseUrl: df.apiUrl, timeoutMs: df.timeoutMs, logger });
  const cache = new VisitorCache((id) => client.getVisitor(id), options.cache);
  const store = openStoreRef(options.dataDir ?? 'data');
  store.ready.then(
    () => forwarder.kick(), // leads accepted before a restart are delivered now
    (err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'cannot open the data directory'),
  );
  const outbox = new GoalOutbox({
    send: (job) => client.createGoal(job.visitorId, job.name, job.metadata),
    pausedUntil: () => client.pausedUntil,
    logger,
  });
  const forwarder = new LeadForwarder({
    store: { pendingLeads: (t) => store.current?.pendingLeads(t) ?? [], markDelivered: (id, t) => store.ready.then((s) => s.markDelivered(id, t)) },
    sendGoal: (lead) => client.createGoal(lead.visitorId ?? '', GOAL_NAMES.lead, { offer: lead.offerId }),
    webhookUrl: options.leadsWebhookUrl ?? null,
    logger,
  });
  const live = new LiveSource({ fetch: () => client.getRealtimeMap(), intervalMs: options.liveIntervalMs });
  const allowedOrigins = options.allowedOrigins ?? [];
  const limits = options.limits ?? {};
  const eventsPerIp = new RateLimiter({ limit: limits.eventsPerMinutePerIp ?? 300, windowMs: MINUTE });
  const eventsPerVisitor = new RateLimiter({ limit: limits.eventsPerMinutePerVisitor ?? 60, windowMs: MINUTE });
  const leadsPerIp = new RateLimiter({ limit: limits.leadsPerMinutePerIp ?? 10, windowMs: MINUTE });
  // sendBeacon posts text/plain; both carry the same small JSON.
  const json = express.json({ limit: '4kb', type: ['application/json', 'text/plain'] });

  const router = Router() as VisitorOffersRouter;
  const internals: VisitorOffersInternals = {
    cache,
    client,
    policy,
    store,
    outbox,
    forwarder,
    live,
    async close(timeoutMs = 2000) {
      await Promise.allSettled([outbox.drain(timeoutMs), forwarder.close()]);
      outbox.close();
      const s = await store.ready.catch(() => null);
      await s?.close();
      client.close();
    },
  };
  Object.defineProperty(router, 'visitorOffers', { value: internals, enumerable: false });

  router.use(cookieParser());
  router.get('/offer', offerHandler({ cache, policy, store, pools, logger }));
  router.get('/live', liveHandler({ source: live, logger }));
  router.post('/events', json, eventsHandler({ policy, store, outbox, allowedOrigins, perIp: eventsPerIp, perVisitor: eventsPerVisitor }));
  router.post('/leads', json, leadsHandler({ policy, store, forwarder, allowedOrigins, perIp: leadsPerIp, logger }));
  router.get('/experiments', experimentsHandler({ policy, store, adminToken: options.adminToken ?? null }));
  router.use(dashboardRoutes({ policy, store, fetchMap: () => client.getRealtimeMap(), adminToken: options.adminToken ?? null, access: options.dashboard ?? 'protected', logger }));
  router.use(widgetRoutes({ logger }));
  router.use(errorHandler(logger));
  return router;
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

function checkOptions(options: VisitorOffersOptions): Policy {
  const df = options?.datafast;
  if (!df || typeof df.apiKey !== 'string' || df.apiKey === '') {
    throw new ConfigError('datafast.apiKey', 'is missing: pass your df_… website key or dft_… account token');
  }
  if (!/^dft?_\S+$/.test(df.apiKey)) {
    throw new ConfigError('datafast.apiKey', 'must start with df_ (website key) or dft_ (account token)');
  }
  if (authMode(df.apiKey) === 'account-token' && !df.websiteId) {
    throw new ConfigError('datafast.websiteId', 'is required with a dft_ account token (it is sent as ?websiteId=)');
  }
  if (df.apiUrl !== undefined && !isHttpUrl(df.apiUrl)) {
    throw new ConfigError('datafast.apiUrl', `must be an http(s) URL, got "${df.apiUrl}"`);
  }
  if (df.timeoutMs !== undefined && !(Number.isInteger(df.timeoutMs) && df.timeoutMs > 0 && df.timeoutMs <= 60_000)) {
    throw new ConfigError('datafast.timeoutMs', 'must be a whole number of milliseconds between 1 and 60000');
  }
  if (options.leadsWebhookUrl != null && !isHttpUrl(options.leadsWebhookUrl)) {
    throw new ConfigError('leadsWebhookUrl', 'must be an http(s) URL');
  }
  if (options.dashboard !== undefined && options.dashboard !== 'open' && options.dashboard !== 'protected') {
    throw new ConfigError('dashboard', `must be "open" or "protected", got "${String(options.dashboard)}"`);
  }
  if (options.adminToken != null && options.adminToken.length < 16) {
    throw new ConfigError('adminToken', 'must be at least 16 characters (use a long random string)');
  }
  try {
    return buildPolicy(options.decisions);
  } catch (err) {
    if (err instanceof ConfigError) throw err.under('decisions.');
    throw err;
  }
}
