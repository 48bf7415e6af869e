// Every configured experiment's results and the global holdout's, each experiment's metrics one
// set of SQL aggregates within its attribution window, run together. Shared by GET /experiments,
// the dashboard and `visitor-offers results` (which reads the database directly).
import type { ExperimentsResponse } from '../contract.js';
import type { ArmMetrics } from '../store/store.js';
import { banditAllocation, isBandit } from './bandit.js';
import { HOLDOUT_EXPERIMENT } from './holdout.js';
import { DAY_MS, experimentResult, holdoutResult, windowMsOf, type ResultOptions } from './results.js';
import { DEFAULT_ATTRIBUTION_DAYS, type Experiment } from './types.js';

/** What one experiment's arms did within `windowMs` of exposure (Store.experimentMetrics). */
export type MetricsReader = (experimentId: string, windowMs: number) => Promise<Map<string, ArmMetrics>>;

export interface ReadResultsOptions {
  /** A bandit's weights in force (the router's), else null: then the weights its results give now. */
  weightsInForce?: (experiment: Experiment) => readonly number[] | null;
  now?: () => number;
}

export async function readResults(experiments: Iterable<Experiment>, holdout: number, read: MetricsReader, options: ReadResultsOptions = {}): Promise<ExperimentsResponse> {
  const list = [...experiments];
  const now = options.now ?? Date.now;
  // A bandit is reported as one: its shares are its weights, beside each arm's chance to be best
  // from the results just read; no tests against control.
  const optionsOf = (e: Experiment, metrics: Map<string, ArmMetrics>): ResultOptions => {
    if (!isBandit(e)) return {};
    const fresh = banditAllocation(e, metrics, now());
    return { bandit: { weights: options.weightsInForce?.(e) ?? fresh.weights, chanceToBeBest: fresh.chanceToBeBest } };
  };
  const [results, held] = await Promise.all([
    Promise.all(
      list.map(async (e) => {
        const metrics = await read(e.id, windowMsOf(e));
        return experimentResult(e, metrics, optionsOf(e, metrics));
      }),
    ),
    holdout > 0 ? read(HOLDOUT_EXPERIMENT, DEFAULT_ATTRIBUTION_DAYS * DAY_MS) : Promise.resolve(new Map<string, ArmMetrics>()),
  ]);
  return { experiments: results, holdout: holdoutResult(holdout, held) };
}
