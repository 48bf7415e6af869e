// The operator dashboard, under the router's mount path:
//   GET /dashboard       an HTML shell: it loads dashboard.js (served with the widget's files, see
//                        routes/widget.ts) and holds no data, no inline script and no inline style,
//                        under helmet's headers with a strict Content-Security-Policy of its own.
//   GET /dashboard/data  the snapshot JSON (dashboard/snapshot.ts), `Cache-Control: no-store`.
//
// Access (`VisitorOffersOptions.dashboard`):
// - 'protected' (the default): the data needs `Authorization: Bearer <ADMIN_TOKEN>` (401 without
//   or with a wrong one; 429 once an address sent too many wrong ones, see http/auth.ts). The
//   shell itself carries nothing secret and is served without the header (a browser cannot send
//   one when navigating); the page asks for the token and keeps it in sessionStorage. Without an ADMIN_TOKEN both answer 404, like GET /experiments.
// - 'open': no token (the demo, a local tool).
//
// The realtime map is fetched for the dashboard by its own LiveSource: at most once per 5 s for
// every open dashboard together, coalesced, nothing fetched while nobody looks.
import { Router, type Request, type Response } from 'express';
import { dashboardSnapshot } from '../dashboard/snapshot.js';
import type { Policy } from '../decision/decide.js';
import type { ExperimentsResponse } from '../contract.js';
import { readResults, type ReadResultsOptions } from '../experiments/read-results.js';
import { LiveSource, type LiveFetchResult } from '../live/live-source.js';
import type { Logger } from '../logger.js';
import type { CouponPoolStock } from '../offers/pool-stock.js';
import type { StoreRef } from '../store/store-ref.js';
import type { BearerGuard } from '../http/auth.js';
import { pageHeaders, type CspDirectives } from '../http/security-headers.js';
import { reply } from './reply.js';

export type DashboardAccess = 'open' | 'protected';

export interface DashboardRoutesOptions {
  /** The current policy, read once per request (offers can be reloaded). */
  policy: () => Policy;
  store: StoreRef;
  /** Each pooled coupon's codes left, held and claimed (default: none). */
  coupons?: () => Promise<CouponPoolStock[]>;
  /** One realtime-map call, e.g. `() => client.getRealtimeMap()` (with Redis, the fleet's: live/shared-realtime.ts). */
  fetchMap: () => Promise<LiveFetchResult>;
  /** Null: the protected dashboard is disabled (404). */
  adminToken: string | null;
  /** The analytics API in use, shown on the dashboard. Default `datafast`. */
  provider?: 'datafast' | 'postmetric';
  access: DashboardAccess;
  /** Checks the admin token (throttled and logged per client address). */
  guard: BearerGuard;
  /** Least time between two realtime-map fetches for the dashboard, default 5 s. */
  intervalMs?: number;
  /** A bandit's weights in force in this process, to show as its shares (read-results.ts). */
  weightsInForce?: ReadResultsOptions['weightsInForce'];
  logger?: Logger;
  now?: () => number;
}

export const DASHBOARD_INTERVAL_MS = 5_000;

/** The shell's own policy: its script and its data from this origin, nothing inline, no framing. */
export const DASHBOARD_CSP: CspDirectives = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'connect-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

export function dashboardRoutes(options: DashboardRoutesOptions): Router {
  const { policy, store, adminToken, access, guard, logger } = options;
  const now = options.now ?? Date.now;
  const source = new LiveSource({ fetch: options.fetchMap, intervalMs: options.intervalMs ?? DASHBOARD_INTERVAL_MS, now });
  const enabled = access === 'open' || adminToken !== null;
  const shell = shellHtml(access === 'open' ? 'open' : 'token');
  const headers = pageHeaders(DASHBOARD_CSP);

  const disabled = (res: Response): void => reply(res, 404, { error: 'not enabled: set ADMIN_TOKEN' });

  const router = Router();

  router.get('/dashboard', headers, (req: Request, res: Response) => {
    if (!enabled) return disabled(res);
    // `dashboard/` would resolve the page's relative URLs one level too deep.
    if (req.path.endsWith('/')) return res.redirect(301, '../dashboard');
    res.status(200).set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).send(shell);
  });

  router.get('/dashboard/data', async (req: Request, res: Response) => {
    if (!enabled) return disabled(res);
    // Enabled and protected means there is an admin token; the guard answers 401 or 429 itself.
    if (access !== 'open' && !(await guard.admit(req, res, adminToken === null ? [] : [adminToken], 'admin token required'))) return;
    const current = policy();
    const [realtime, { experiments: results, holdout }, coupons] = await Promise.all([source.getMap(), experimentResults(current, store, logger, options.weightsInForce), couponStock(options.coupons, logger)]);
    const snapshot = dashboardSnapshot({
      map: realtime?.map ?? null,
      mapFetchedAt: realtime?.fetchedAt ?? null,
      // PostMetric has no realtime map at all: say so, not the `paused` its client answers with.
      realtimeProblem: options.provider === 'postmetric' ? 'not-supported' : source.stats().lastFailure,
      policy: current,
      results,
      holdout,
      coupons,
      now: now(),
    });
    reply(res, 200, { provider: options.provider ?? 'datafast', ...snapshot });
  });

  return router;
}

/** Every configured experiment's results and the holdout's; none when the store cannot be read (logged). */
async function experimentResults(policy: Policy, store: StoreRef, logger: Logger | undefined, weightsInForce: ReadResultsOptions['weightsInForce']): Promise<ExperimentsResponse> {
  try {
    const s = await store.ready;
    return await readResults(policy.experiments.values(), policy.holdout, (id, windowMs) => s.experimentMetrics(id, windowMs), weightsInForce === undefined ? {} : { weightsInForce });
  } catch (err) {
    logger?.error({ err: err instanceof Error ? err.message : String(err) }, 'dashboard: the store is unavailable');
    return { experiments: [], holdout: null };
  }
}

/** Every pooled coupon's codes; none when the store cannot be read (logged). */
async function couponStock(read: (() => Promise<CouponPoolStock[]>) | undefined, logger: Logger | undefined): Promise<CouponPoolStock[]> {
  try {
    return read === undefined ? [] : await read();
  } catch (err) {
    logger?.error({ err: err instanceof Error ? err.message : String(err) }, 'dashboard: could not count the coupon codes');
    return [];
  }
}

/** The page: relative URLs, so it works under any mount path. `auth`: whether to ask for a token. */
function shellHtml(auth: 'open' | 'token'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="color-scheme" content="light dark">
<title>visitor-offers · operator dashboard</title>
<link rel="icon" href="data:,">
<script type="module" src="dashboard.js"></script>
</head>
<body>
<visitor-offers-dashboard auth="${auth}"></visitor-offers-dashboard>
<noscript>The visitor-offers dashboard needs JavaScript.</noscript>
</body>
</html>
`;
}
