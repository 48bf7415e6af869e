// The router's experiment bookkeeping besides the routes: the global holdout's record of who was
// decided for (holdout-recorder.ts), the DataFast conversion reconciliation (reconciler.ts) and the
// bandits' weights and enrolments (bandit-allocator.ts, bandit-enrolment.ts),
// made from the router's parts and options. The router starts the reconciliation once its store
// is open and stops it in close(), before the store closes.
import type { PaymentGoalsLookup } from '../datafast/client.js';
import type { Decision, Policy } from '../decision/decide.js';
import type { Logger } from '../logger.js';
import type { StoreRef } from '../store/store-ref.js';
import { BanditAllocator, type BanditAllocatorStats } from './bandit-allocator.js';
import { BanditEnrolments } from './bandit-enrolment.js';
import { HoldoutRecorder } from './holdout-recorder.js';
import type { Experiment } from './types.js';
import { Reconciler } from './reconciler.js';

export interface ExperimentJobsOptions {
  store: StoreRef;
  policy: () => Policy;
  /** A DataFast lookup of a visitor's payments (counted by the router's upstream metrics). */
  fetchPayments: (visitorId: string) => Promise<PaymentGoalsLookup>;
  reconcile: { callsPerMinute: number; firstCheckMinutes: number };
  /** DataFast's deadline for one call: a look's lease outlasts it. */
  timeoutMs: number;
  logger: Logger;
}

export interface ExperimentJobs {
  /** For /offer: records each decision's holdout group. */
  decided: (visitorId: string, decision: Decision) => void;
  reconciler: Reconciler;
  /** Each bandit's weights in force in this process, recomputed from its results. */
  allocator: BanditAllocator;
  /** For /offer: places visitors in bandits and enrols them in the store. */
  bandits: BanditEnrolments;
  /** A bandit's weights in force here (null until computed), for its results. */
  weightsInForce: (experiment: Experiment) => number[] | null;
  /** For /metrics: each configured bandit's weights in force, and the allocator's counts. */
  banditMetrics: { weights(): Array<{ experiment: string; variant: string; weight: number }>; stats(): BanditAllocatorStats };
}

export function experimentJobs(o: ExperimentJobsOptions): ExperimentJobs {
  const holdout = new HoldoutRecorder({ store: o.store, share: () => o.policy().holdout, logger: o.logger });
  const reconciler = new Reconciler({
    store: o.store,
    policy: o.policy,
    fetchPayments: o.fetchPayments,
    callsPerMinute: o.reconcile.callsPerMinute,
    leaseMs: 2 * o.timeoutMs + 10_000,
    schedule: { firstCheckAfterMs: o.reconcile.firstCheckMinutes * 60_000 },
    logger: o.logger,
  });
  const allocator = new BanditAllocator({ read: (id, windowMs) => o.store.ready.then((s) => s.experimentMetrics(id, windowMs)), logger: o.logger });
  const bandits = new BanditEnrolments({ store: o.store, allocator, logger: o.logger });
  const weightsInForce = (e: Experiment): number[] | null => allocator.computed(e)?.weights ?? null;
  const banditMetrics = {
    weights: () =>
      [...o.policy().experiments.values()].flatMap((e) => {
        const weights = weightsInForce(e);
        return weights === null ? [] : e.variants.map((v, i) => ({ experiment: e.id, variant: v.id, weight: weights[i] ?? 0 }));
      }),
    stats: () => allocator.stats(),
  };
  return { decided: (visitorId, decision) => holdout.observe(visitorId, decision), reconciler, allocator, bandits, weightsInForce, banditMetrics };
}
