// The standalone server's Express app: the router at /visitor-offers plus /healthz.
import express, { type Express, type Router } from 'express';
import type { VisitorOffersOptions } from './config/options-types.js';
import { DEFAULT_TRUST_PROXY } from './http/trust-proxy.js';
import { hstsWhenSecure, noSniff } from './http/security-headers.js';
import type { Logger } from './logger.js';
import { visitorOffers, type VisitorOffersRouter } from './router.js';

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
  // Liveness: the process answers; the body says what is degraded. It is public, so it leaves out
  // the offers file's path and the text of a rejected reload (both are in the log).
  app.get('/healthz', (_req, res) => {
    const { offers, ...health } = router.health();
    res.set('cache-control', 'no-store').json({ ...health, offers: { source: offers.source, loadedAt: offers.loadedAt, reloadFailing: offers.lastReloadError !== null } });
  });
  if (extra) app.use(extra);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return { app, router };
}
