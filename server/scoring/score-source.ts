// Where a decision's score comes from: the provider's prediction when it has one, else — with
// `localScore.mode: "when-missing"` — the local model's (local-score.ts). Pure: `now` is given.
//
// An identified visitor (a DataFast profile) with no prediction gets no local score: DataFast
// documents a null prediction for customers, and such a visitor is treated as one.
import type { VisitorLookup } from '../datafast/lookup.js';
import { isCustomer } from '../decision/segment.js';
import { localPrediction, type ScoreWeights } from './local-score.js';
import { signalsOf } from './signals.js';

export type LocalScoreMode = 'off' | 'when-missing';

/** PostMetric has no prediction at all, so its visitors are scored locally unless told otherwise; DataFast's only when configured. */
export function defaultLocalScoreMode(provider: 'datafast' | 'postmetric'): LocalScoreMode {
  return provider === 'postmetric' ? 'when-missing' : 'off';
}

export interface LocalScoreConfig {
  mode: LocalScoreMode;
  weights: Readonly<ScoreWeights>;
}

/** Which model produced a decision's score: the provider's or ours. */
export type ScoreSource = 'provider' | 'local';

export interface Scored {
  lookup: VisitorLookup;
  /** Null when there is no score: no record, or no prediction and no local one. */
  scoreSource: ScoreSource | null;
}

export function scoreLookup(lookup: VisitorLookup, config: LocalScoreConfig, now: number): Scored {
  if (lookup.kind !== 'found') return { lookup, scoreSource: null };
  const visitor = lookup.visitor;
  if (visitor.prediction !== null) return { lookup, scoreSource: 'provider' };
  if (config.mode === 'off' || visitor.identified || isCustomer(visitor)) return { lookup, scoreSource: null };
  const prediction = localPrediction(signalsOf(visitor), config.weights, now);
  return { lookup: { ...lookup, visitor: { ...visitor, prediction } }, scoreSource: 'local' };
}
