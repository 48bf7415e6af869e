// GET /metrics: the router's metrics in Prometheus' text format, for a scraper. Protected like the
// dashboard's data: the admin token (checked by the router's guard, which throttles and logs wrong
// ones), 404 when no admin token is set; or public when the operator says so (METRICS_PUBLIC=true),
// e.g. when only the scraper can reach the port. Mounted where the host app wants it
// (`router.metrics()`); the standalone server mounts it at /metrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { reply } from '../routes/reply.js';
import type { RouterMetrics } from './router-metrics.js';

/** Who may read the metrics. */
export type MetricsAccess =
  | { kind: 'public' }
  /** `adminToken` null: nobody (404). `admit` answers the refusal itself (401, 429) and returns false. */
  | { kind: 'token'; adminToken: string | null; admit: (req: Request, res: Response) => Promise<boolean> };

/** A request handler for any Express app (a Connect-style `next` is accepted and not needed). */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

export function metricsHandler(metrics: RouterMetrics, access: MetricsAccess, logger: Logger): MetricsHandler {
  return (incoming, outgoing) => {
    // Express's own request and response: the router is an Express router, and so is its host.
    const req = incoming as Request;
    const res = outgoing as Response;
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, { error: 'use GET' }, { allow: 'GET, HEAD' });
    if (access.kind === 'public') return scrape(res);
    if (access.adminToken === null) return reply(res, 404, { error: 'not enabled: set ADMIN_TOKEN (or METRICS_PUBLIC=true)' });
    // admit() never rejects; it answers a refusal itself.
    void access.admit(req, res).then((ok) => {
      if (ok) scrape(res);
    });
  };

  function scrape(res: Response): void {
    metrics.text().then(
      (text) => {
        res.status(200).set({ 'content-type': metrics.contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
        res.send(text);
      },
      (err: unknown) => {
        // A collector that throws is our bug: logged, and the scraper sees the scrape fail.
        logger.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, 'metrics could not be collected');
        if (!res.headersSent) reply(res, 500, { error: 'internal error' });
      },
    );
  }
}
