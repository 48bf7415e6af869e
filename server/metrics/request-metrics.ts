// Counts and times the requests the router answers, by the route that answered them. Two
// middlewares: `start` goes first in the router, `passedOn` last, so a request the router does not
// answer (it falls through to the host app) is not counted as ours, nor under the host's route.
import type { RequestHandler } from 'express';
import type { RouterMetrics } from './router-metrics.js';

export interface RequestMetrics {
  start: RequestHandler;
  passedOn: RequestHandler;
}

export function requestMetrics(metrics: RouterMetrics): RequestMetrics {
  const notOurs = new WeakSet<object>();
  return {
    start: (req, res, next) => {
      const started = process.hrtime.bigint();
      res.once('close', () => {
        if (notOurs.has(req)) return;
        // Express leaves the matched route on the request; a request that matched none but was
        // answered here (a body the JSON parser refused before any route) has no route.
        const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
        const route = typeof path === 'string' ? path : 'none';
        // A client that went away before the answer ended is a 499, as nginx logs it.
        const status = res.writableFinished ? res.statusCode : 499;
        metrics.request(route, req.method, status, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    },
    passedOn: (req, _res, next) => {
      notOurs.add(req);
      next();
    },
  };
}
