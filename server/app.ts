// The standalone server's Express app: the router at /visitor-offers plus /healthz, /readyz and
// /metrics at the root, where probes and scrapers look by default.
import express, { type Express, type Router } from 'express';
import type { VisitorOffersOptions } from './config/options-types.js';
import { DEFAULT_TRUST_PROXY } from './http/trust-proxy.js';
import { hstsWhenSecure, noSniff } from './http/security-headers.js';
import type { Logger } from './logger.js';
import { internalsOf } from './router-internals.js';
import { visitorOffers, type RouterHealth, type VisitorOffersRouter } from './router.js';

export const MOUNT_PATH = '/visitor-offers';

export interface StandaloneApp {
  app: Express;
  router: VisitorOffersRouter;
}

/** `extra`: routes of the embedding program (the demo's pages), mounted before the final 404. */
export function createApp(options: VisitorOffersOptions, logger: Logger, extra?: Router): StandaloneApp {
  const app = express();
  app.disable('x-powered-by');
  // Before every route: nosniff on each answer (the final 404 too), HSTS on those over HTTPS.
  app.use(noSniff, hstsWhenSecure());
  // Only a proxy on this host may tell the client's address and scheme unless TRUST_PROXY names
  // others: a private address alone proves nothing (Docker, Kubernetes, an SNAT load balancer).
  const trustProxy = options.trustProxy ?? DEFAULT_TRUST_PROXY;
  // The server's own logger replaces the router's default one (and its level). The router checks
  // trustProxy first, so a bad TRUST_PROXY is a ConfigError naming it.
  const router = visitorOffers({ ...options, trustProxy, logLevel: undefined, logger });
  // The same for this app's own routes (/healthz and what the host program adds).
  app.set('trust proxy', typeof trustProxy === 'object' ? [...trustProxy] : trustProxy);
  app.use(MOUNT_PATH, router);
  // Liveness: the process answers, so always 200; the body says what is degraded.
  app.get('/healthz', (_req, res) => {
    res.set('cache-control', 'no-store').json(publicHealth(router.health()));
  });
  // Readiness: 503 with the reasons while the store takes no writes (a full disk) or (with
  // readiness.maxUpstreamOpenMs) DataFast lookups have failed too long. Probes
  // the data directory, and DataFast when its breaker waits for a probe, when due.
  const { readiness } = internalsOf(router);
  app.get('/readyz', (_req, res, next) => {
    readiness.check().then(() => {
      const health = router.health();
      res.status(health.ready ? 200 : 503).set('cache-control', 'no-store').json(publicHealth(health));
    }, next);
  });
  // The same handler a host app mounts with router.metrics(): admin token unless METRICS_PUBLIC=true.
  app.get('/metrics', router.metrics());
  if (extra) app.use(extra);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return { app, router };
}

/** Public, so without the offers file's path and the text of a rejected reload (both are in the log). */
function publicHealth({ offers, ...health }: RouterHealth): object {
  return { ...health, offers: { source: offers.source, loadedAt: offers.loadedAt, reloadFailing: offers.lastReloadError !== null } };
}
