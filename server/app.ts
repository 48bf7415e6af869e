// The standalone server's Express app: the router at /visitor-offers plus /healthz.
import express, { type Express, type Router } from 'express';
import type { VisitorOffersOptions } from './config/options-types.js';
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
  // Behind a load balancer the client address is in X-Forwarded-For; rate limits need it.
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  // The server's own logger replaces the router's default one (and its level).
  const router = visitorOffers({ ...options, logLevel: undefined, logger });
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
