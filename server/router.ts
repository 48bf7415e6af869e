// `visitorOffers(options)`: the request handler a developer mounts on an existing app. It owns its
// DataFast client, cache, store, outbox and offers; two routers with different options coexist.
// Options are checked first, in full, before anything is read, opened or started.
import type { IncomingMessage, ServerResponse } from 'node:http';
import cookieParser from 'cookie-parser';
import express, { Router, type ErrorRequestHandler } from 'express';
import { VisitorCache } from './cache/visitor-cache.js';
import { OffersRef, type OffersStatus } from './config/offers-ref.js';
import { ConfigError } from './config/config-error.js';
import { namedByEnv } from './config/env.js';
import { parseOptions, type ResolvedOptions } from './config/options.js';
import type { VisitorOffersOptions } from './config/options-types.js';
import { DataFastClient } from './datafast/client.js';
import { GOAL_NAMES } from './datafast/goals.js';
import { GoalOutbox } from './events/outbox.js';
import { BearerGuard } from './http/auth.js';
import { RateLimiter } from './http/rate-limit.js';
import { noSniff } from './http/security-headers.js';
import { requestTrust } from './http/trust-proxy.js';
import { LeadForwarder } from './leads/forwarder.js';
import { LiveSource } from './live/live-source.js';
import { defaultRouterLogger, type Logger } from './logger.js';
import { attachInternals, type RouterInternals } from './router-internals.js';
import { conversionsHandlers } from './routes/conversions.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventsHandler } from './routes/events.js';
import { experimentsHandler } from './routes/experiments.js';
import { leadsHandler } from './routes/leads.js';
import { liveHandler } from './routes/live.js';
import { offerHandler } from './routes/offer.js';
import { previewLinksRoutes } from './routes/preview-links.js';
import { reply } from './routes/reply.js';
import { widgetRoutes } from './routes/widget.js';
import { openStoreRef } from './store/store-ref.js';
import { PreviewKey } from './preview/token.js';

/** The router's state, as `health()` reports it. */
export interface RouterHealth {
  /** `degraded` while the store cannot be used (leads and events are refused; offers are still decided). */
  status: 'ok' | 'degraded';
  /** The durable store: `opening` at start, `ok` once usable, `unavailable` if it could not be opened. */
  store: 'opening' | 'ok' | 'unavailable';
  /** ISO time until which DataFast calls are paused after a 429, or null. */
  upstreamPausedUntil: string | null;
  /** Visitor records in the in-memory cache. */
  cachedVisitors: number;
  /** Where the offers come from, when they were loaded, and the last rejected reload. */
  offers: OffersStatus;
}

/**
 * A request handler for `app.use('/visitor-offers', router)` (Express, or any Connect-style app),
 * with the two things a host app needs besides routing.
 */
export interface VisitorOffersRouter {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /** Stops background work, delivers queued goals for up to `timeoutMs` (default 2000), closes the store. */
  close(timeoutMs?: number): Promise<void>;
  /** The router's state, for a health or readiness endpoint. */
  health(): RouterHealth;
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
  try {
    o = parseOptions(options);
    logger = o.logger ?? defaultRouterLogger(o.logLevel);
    // Reads the offers file and pool files: a problem there is still a ConfigError, before any socket, timer or store.
    offers = new OffersRef(o.offers, logger);
  } catch (err) {
    throw err instanceof ConfigError ? namedByEnv(options, err) : err;
  }

  const df = o.datafast;
  const client = new DataFastClient({ apiKey: df.apiKey, websiteId: df.websiteId ?? undefined, apiUrl: df.apiUrl, timeoutMs: df.timeoutMs, breaker: df.breaker, logger });
  const cache = new VisitorCache((id) => client.getVisitor(id), o.cache);
  const store = openStoreRef(o.dataDir);
  let storeState: RouterHealth['store'] = 'opening';
  const outbox = new GoalOutbox({
    send: (job) => client.createGoal(job.visitorId, job.name, job.metadata),
    // A 429 or failures in a row open the goals breaker: the queue waits for its probe time.
    pausedUntil: () => client.retryAt('goals'),
    logger,
  });
  const forwarder = new LeadForwarder({
    store: { pendingLeads: (t) => store.current?.pendingLeads(t) ?? [], markDelivered: (id, t) => store.ready.then((s) => s.markDelivered(id, t)) },
    sendGoal: (lead) => client.createGoal(lead.visitorId ?? '', GOAL_NAMES.lead, { offer: lead.offerId }),
    webhookUrl: o.leadsWebhookUrl,
    logger,
  });
  store.ready.then(
    () => {
      storeState = 'ok';
      forwarder.kick(); // leads accepted before a restart are delivered now
    },
    (err: unknown) => {
      storeState = 'unavailable';
      logger.error({ err: err instanceof Error ? err.message : String(err), dataDir: o.dataDir }, 'cannot open the data directory');
    },
  );
  const live = new LiveSource({ fetch: () => client.getRealtimeMap(), intervalMs: o.liveTtlMs });
  const eventsPerIp = new RateLimiter({ limit: o.limits.eventsPerMinutePerIp, windowMs: MINUTE });
  const eventsPerVisitor = new RateLimiter({ limit: o.limits.eventsPerMinutePerVisitor, windowMs: MINUTE });
  const leadsPerIp = new RateLimiter({ limit: o.limits.leadsPerMinutePerIp, windowMs: MINUTE });
  const conversionsPerIp = new RateLimiter({ limit: o.limits.conversionsPerMinute, windowMs: MINUTE });
  // One for every route that takes a bearer token: wrong guesses add up across them.
  const guard = new BearerGuard({ failuresPerMinute: o.limits.authFailuresPerMinutePerIp, logger });
  // sendBeacon posts text/plain; both carry the same small JSON.
  const json = express.json({ limit: '4kb', type: ['application/json', 'text/plain'] });
  const policy = () => offers.current.policy;
  // Preview tokens are signed with a key derived from the admin token; the open demo dashboard,
  // which may have none, signs with a key of this process's own (its links die with it).
  const previewKey = o.adminToken !== null ? PreviewKey.fromAdminToken(o.adminToken) : o.dashboard === 'open' ? PreviewKey.random() : null;
  offers.watch();

  const router = Router();
  router.use(noSniff);
  router.use(cookieParser());
  router.get('/offer', offerHandler({ cache, offers: () => offers.current, store, logger, previewKey }));
  router.get('/live', liveHandler({ source: live, logger }));
  router.post('/events', json, eventsHandler({ policy, store, outbox, allowedOrigins: o.allowedOrigins, perIp: eventsPerIp, perVisitor: eventsPerVisitor, logger }));
  router.post('/leads', json, leadsHandler({ policy, store, forwarder, allowedOrigins: o.allowedOrigins, perIp: leadsPerIp, logger }));
  router.post('/conversions', ...conversionsHandlers({ store, outbox, tokens: [o.adminToken, o.conversionsToken], perIp: conversionsPerIp, guard, logger }));
  router.get('/experiments', experimentsHandler({ policy, store, adminToken: o.adminToken, guard }));
  router.use(dashboardRoutes({ policy, store, fetchMap: () => client.getRealtimeMap(), adminToken: o.adminToken, access: o.dashboard, guard, logger }));
  router.use(previewLinksRoutes({ policy, key: previewKey, adminToken: o.adminToken, access: o.dashboard, guard }));
  router.use(widgetRoutes({ logger, sourceMaps: o.sourceMaps }));
  router.use(errorHandler(logger));

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
      await Promise.allSettled([outbox.drain(timeoutMs), forwarder.close()]);
      outbox.close();
      const s = await store.ready.catch(() => null);
      await s?.close();
      client.close();
      guard.close();
    })();
    return closing;
  };
  handler.health = () => ({
    status: storeState === 'unavailable' ? 'degraded' : 'ok',
    store: storeState,
    upstreamPausedUntil: client.pausedUntil ? new Date(client.pausedUntil).toISOString() : null,
    cachedVisitors: cache.stats().size,
    offers: offers.status(),
  });
  const internals: RouterInternals = { cache, client, offers, store, outbox, forwarder, live, logger };
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
