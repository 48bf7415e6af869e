// The shapes the dashboard receives, imported from the server as types only (erased by esbuild:
// no server code reaches the browser).
export type {
  DashboardEvent,
  DashboardPayment,
  DashboardSnapshot,
  DashboardVisitor,
} from '../../server/dashboard/snapshot';
export type { ExperimentResult, HoldoutResult, MetricComparison, VariantResult } from '../../server/contract';
export type { CouponPoolStock } from '../../server/offers/pool-stock';
export type { Segment } from '../../server/decision/segment';
export type { PreviewLinkResponse, PreviewTargets } from '../../server/contract';

/** How the page gets its data: `open` asks for no token; `token` asks before the first request. */
export type AuthMode = 'open' | 'token';
