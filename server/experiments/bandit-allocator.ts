// Each bandit's weights in force in this process: recomputed from the experiment's results
// (bandit.ts) when a decision finds them 15 minutes old or more (thompson.ts `shouldReallocate`),
// never more often; one computation at a time per experiment; the decision that finds them due is
// not held up (it uses the weights in force) unless none were ever computed (`settled`). A failed
// read keeps the weights in force and is tried again a minute later (logged at most once a minute).
// An offers reload that changes the experiment (arms, weights, seed, metric, window) starts it
// afresh.
import type { ArmMetrics } from '../store/store.js';
import { ThrottledLog } from '../delivery/throttled-log.js';
import type { Logger } from '../logger.js';
import { errorCode } from '../store/backend.js';
import { banditAllocation, initialAllocation, type BanditAllocation } from './bandit.js';
import { windowMsOf } from './results.js';
import { shouldReallocate } from './thompson.js';
import type { Experiment } from './types.js';

/** After a failed read, the next try waits this long. */
export const RETRY_AFTER_FAILURE_MS = 60_000;

export interface BanditAllocatorOptions {
  /** One experiment's metrics within its window (Store.experimentMetrics, once the store is open). */
  read: (experimentId: string, windowMs: number) => Promise<Map<string, ArmMetrics>>;
  logger: Logger;
  now?: () => number;
  /** Monte Carlo draws per computation (thompson.ts default 10,000). */
  draws?: number;
}

interface State {
  /** What the experiment's config was when this state began. */
  config: string;
  /** Computed from results; null until the first computation succeeds. */
  computed: BanditAllocation | null;
  /** Not due again before this time (after a failure). */
  retryAt: number;
  running: Promise<void> | null;
}

export interface BanditAllocatorStats {
  /** Weights computed from results. */
  reallocations: number;
  /** Reads of results that failed. */
  failures: number;
}

export class BanditAllocator {
  readonly #o: BanditAllocatorOptions;
  readonly #now: () => number;
  readonly #states = new Map<string, State>();
  readonly #log: ThrottledLog;
  readonly #stats: BanditAllocatorStats = { reallocations: 0, failures: 0 };

  constructor(options: BanditAllocatorOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#log = new ThrottledLog(options.logger, this.#now);
  }

  /** The weights in force for new visitors (one per variant); starts a recomputation when due. */
  weights(experiment: Experiment): number[] {
    return this.allocation(experiment).weights;
  }

  /** The allocation in force: computed from results, or the configured start before any was. */
  allocation(experiment: Experiment): BanditAllocation {
    const s = this.#state(experiment);
    this.#startIfDue(experiment, s);
    return s.computed ?? initialAllocation(experiment, this.#now());
  }

  /** The allocation computed from results, if any (nothing is started). */
  computed(experiment: Experiment): BanditAllocation | null {
    const s = this.#states.get(experiment.id);
    return s !== undefined && s.config === configKey(experiment) ? s.computed : null;
  }

  /**
   * The allocation in force once no computation is in progress: starts one when due, and waits
   * for it (or for the one running). Never rejects: a failure leaves the weights in force (the
   * configured start before any computation).
   */
  async settled(experiment: Experiment): Promise<BanditAllocation> {
    const s = this.#state(experiment);
    this.#startIfDue(experiment, s);
    await s.running;
    return this.allocation(experiment);
  }

  stats(): BanditAllocatorStats {
    return { ...this.#stats };
  }

  #state(experiment: Experiment): State {
    const config = configKey(experiment);
    let s = this.#states.get(experiment.id);
    if (s === undefined || s.config !== config) {
      s = { config, computed: null, retryAt: Number.NEGATIVE_INFINITY, running: null };
      this.#states.set(experiment.id, s);
    }
    return s;
  }

  #startIfDue(experiment: Experiment, s: State): void {
    const now = this.#now();
    if (s.running !== null || now < s.retryAt || !shouldReallocate(s.computed?.at ?? null, now)) return;
    let read: Promise<Map<string, ArmMetrics>>;
    try {
      read = this.#o.read(experiment.id, windowMsOf(experiment));
    } catch (err) {
      read = Promise.reject(err);
    }
    s.running = read
      .then((metrics) => banditAllocation(experiment, metrics, this.#now(), this.#o.draws))
      .then(
        (allocation) => {
          s.computed = allocation;
          this.#stats.reallocations += 1;
        },
        (err: unknown) => {
          s.retryAt = this.#now() + RETRY_AFTER_FAILURE_MS;
          this.#stats.failures += 1;
          this.#log.warn(`bandit-read:${experiment.id}`, { experiment: experiment.id, code: errorCode(err) }, 'bandit: could not read the results to reallocate; the weights in force stay (tried again in a minute)');
        },
      )
      .finally(() => (s.running = null));
  }
}

/** What a bandit's allocation depends on in its config. */
function configKey(e: Experiment): string {
  return JSON.stringify([e.seed ?? e.id, e.allocationMetric ?? 'conversion', e.attributionDays ?? null, e.currency ?? null, e.variants.map((v) => [v.id, v.weight > 0])]);
}
