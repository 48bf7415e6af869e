// Weights of the local score fitted on a site's own visitors: each exposed visitor's behaviour
// signals as they were at exposure, and whether they converted. One visitor in five (by position,
// so the split is reproducible) is kept out of the fit and used to measure calibration; the
// baseline (score 50) becomes the site's own conversion rate. Pure.
import { calibrationByDecile, type Calibration } from './calibration.js';
import { features, FEATURES, localPrediction, type ScoreWeights } from './local-score.js';
import { fitLogistic } from './logistic.js';
import type { BehaviourSignals } from './signals.js';

export interface ScoreSample {
  signals: BehaviourSignals;
  /** When the signals were read (ms epoch): recency is measured from then. */
  at: number;
  converted: boolean;
}

export interface WeightsFit {
  weights: ScoreWeights;
  /** On the visitors kept out of the fit. */
  calibration: Calibration;
  fitted: number;
  heldOut: number;
  conversions: number;
  converged: boolean;
}

/** Fewer visitors or conversions than these and a fit says more about chance than about the site. */
export const MIN_VISITORS = 500;
export const MIN_CONVERSIONS = 30;

export function fitScoreWeights(samples: readonly ScoreSample[]): WeightsFit {
  const train = samples.filter((_, i) => i % 5 !== 4);
  const test = samples.filter((_, i) => i % 5 === 4);
  const rows = train.map((s) => {
    const f = features(s.signals, s.at);
    return FEATURES.map((name) => f[name]);
  });
  const fit = fitLogistic(rows, train.map((s) => (s.converted ? 1 : 0)));
  const conversions = samples.filter((s) => s.converted).length;
  const rate = Math.min(Math.max(conversions / Math.max(1, samples.length), 1e-6), 1 - 1e-6);
  const weights = { intercept: fit.coefficients[0] ?? 0, baseline: Math.log(rate / (1 - rate)) } as ScoreWeights;
  FEATURES.forEach((name, j) => (weights[name] = fit.coefficients[j + 1] ?? 0));
  const held = test.length > 0 ? test : train;
  const calibration = calibrationByDecile(
    held.map((s) => localPrediction(s.signals, weights, s.at).conversionRate ?? 0),
    held.map((s) => (s.converted ? 1 : 0)),
  );
  return { weights, calibration, fitted: train.length, heldOut: test.length, conversions, converged: fit.converged };
}

/** The weights as the `localScore.weights` option, rounded to 3 decimals. */
export function weightsAsConfig(weights: Readonly<ScoreWeights>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of ['intercept', 'baseline', ...FEATURES] as const) out[key] = Math.round(weights[key] * 1000) / 1000;
  return out;
}
