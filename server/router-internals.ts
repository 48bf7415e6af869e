// What a router keeps to itself: the parts the standalone server, the CLI, the demo and the tests
// reach through `internalsOf(router)`. Not exported from the package: the public surface of a
// router is a request handler with close() and health().
import type { VisitorCache } from './cache/visitor-cache.js';
import type { OffersRef } from './config/offers-ref.js';
import type { AnalyticsClient } from './analytics/client.js';
import type { DecisionKeys } from './decision-token/decision-keys.js';
import type { OutboxWorker } from './delivery/worker.js';
import type { GoalOutbox } from './events/outbox.js';
import type { Readiness } from './health/readiness.js';
import type { LiveSource } from './live/live-source.js';
import type { BanditAllocator } from './experiments/bandit-allocator.js';
import type { Reconciler } from './experiments/reconciler.js';
import type { Logger } from './logger.js';
import type { RouterMetrics } from './metrics/router-metrics.js';
import type { StoreRef } from './store/store-ref.js';
import type { UpstreamBudget } from './upstream/upstream-budget.js';

export interface RouterInternals {
  readonly cache: VisitorCache;
  readonly client: AnalyticsClient;
  readonly offers: OffersRef;
  readonly store: StoreRef;
  /** The decision tokens' keys (`load()` resolves once a generated secret is read from the store). */
  readonly keys: DecisionKeys;
  /** Sends the store's outbox rows (goals, lead webhooks); `drain()` waits until none is pending. */
  readonly outbox: OutboxWorker;
  /** Where the routes queue goals. */
  readonly goals: GoalOutbox;
  readonly live: LiveSource;
  readonly logger: Logger;
  /** `check()` probes the data directory when due: the standalone server's /readyz awaits it. */
  readonly readiness: Readiness;
  readonly metrics: RouterMetrics;
  /** The DataFast conversion reconciliation; `runOnce()` makes one tick now. */
  readonly reconciler: Reconciler;
  /** Each bandit's weights in force; `settled(experiment)` waits for a computation in progress. */
  readonly bandits: BanditAllocator;
  /** The upstream budget; null when calls are not budgeted. */
  readonly budget: UpstreamBudget | null;
}

const INTERNALS = new WeakMap<object, RouterInternals>();

export function attachInternals(router: object, internals: RouterInternals): void {
  INTERNALS.set(router, internals);
}

export function internalsOf(router: object): RouterInternals {
  const internals = INTERNALS.get(router);
  if (!internals) throw new Error('not a router made by visitorOffers()');
  return internals;
}
