// Every configured experiment's results and the global holdout's, each experiment's metrics one
// set of SQL aggregates within its attribution window, run together. Shared by GET /experiments,
// the dashboard and `visitor-offers results` (which reads the database directly).
import type { ExperimentsResponse } from '../contract.js';
import type { ArmMetrics } from '../store/store.js';
import { HOLDOUT_EXPERIMENT } from './holdout.js';
import { DAY_MS, experimentResult, holdoutResult, windowMsOf } from './results.js';
import { DEFAULT_ATTRIBUTION_DAYS, type Experiment } from './types.js';

/** What one experiment's arms did within `windowMs` of exposure (Store.experimentMetrics). */
export type MetricsReader = (experimentId: string, windowMs: number) => Promise<Map<string, ArmMetrics>>;

export async function readResults(experiments: Iterable<Experiment>, holdout: number, read: MetricsReader): Promise<ExperimentsResponse> {
  const list = [...experiments];
  const [results, held] = await Promise.all([
    Promise.all(list.map(async (e) => experimentResult(e, await read(e.id, windowMsOf(e))))),
    holdout > 0 ? read(HOLDOUT_EXPERIMENT, DEFAULT_ATTRIBUTION_DAYS * DAY_MS) : Promise.resolve(new Map<string, ArmMetrics>()),
  ]);
  return { experiments: results, holdout: holdoutResult(holdout, held) };
}
