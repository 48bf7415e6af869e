// The local score: a logistic model that turns behaviour into DataFast's scale — a score 0–100
// where 50 is the site's baseline, and a confidence 0–1 — for visitors the provider has no
// prediction for. Pure and deterministic: the same signals, weights and `now` give the same score.
//
//   z = intercept + Σ weight × feature        predicted conversion rate = σ(z)
//   score = 100 × σ(z − baseline)             50: the odds of the baseline; 73: e (2.7) times them
//   confidence = 0.95 × (1 − e^(−(sessions + pageViews) / 8))
//
// Features are centred on a reference visitor (one session, one page view, seen now, a one-minute
// session, no pricing or checkout page, direct, desktop), whose z is the intercept. README's "The
// local score" has the table of features and the reasons for the default weights.
import type { Prediction } from '../datafast/visitor.js';
import type { BehaviourSignals } from './signals.js';

export const FEATURES = ['sessions', 'pageViews', 'recency', 'sessionMinutes', 'pricing', 'checkout', 'search', 'social', 'email', 'paid', 'referral', 'mobile', 'tablet'] as const;
export type Feature = (typeof FEATURES)[number];

export type ScoreWeights = Record<Feature | 'intercept' | 'baseline', number>;

const logit = (p: number): number => Math.log(p / (1 - p));
const round = (x: number): number => Math.round(x * 1000) / 1000;

/** The defaults, reasoned in README (The local score). */
export const DEFAULT_WEIGHTS: Readonly<ScoreWeights> = Object.freeze({
  intercept: round(logit(0.012)),
  baseline: round(logit(0.02)),
  sessions: 0.6,
  pageViews: 0.35,
  recency: 0.5,
  sessionMinutes: 0.3,
  pricing: 1.0,
  checkout: 1.6,
  search: 0.2,
  social: -0.4,
  email: 0.5,
  paid: 0.1,
  referral: 0.1,
  mobile: -0.5,
  tablet: -0.2,
});

const DAY_MS = 86_400_000;
/** A local score is never as sure as the provider's model can be. */
export const MAX_LOCAL_CONFIDENCE = 0.95;
/** Sessions plus page views at which confidence reaches 63 % of its maximum. */
export const CONFIDENCE_SCALE = 8;

/** The model's inputs: each 0 for the reference visitor. */
export function features(s: BehaviourSignals, now: number): Record<Feature, number> {
  const days = s.lastSeenAt === null ? 0 : Math.max(0, now - s.lastSeenAt) / DAY_MS;
  const oneHot = (yes: boolean): number => (yes ? 1 : 0);
  return {
    sessions: Math.log(Math.max(1, s.sessions)),
    pageViews: Math.log(Math.max(1, s.pageViews)),
    // 0 when seen now, towards −1 as the last visit recedes (a week: −0.63).
    recency: Math.exp(-days / 7) - 1,
    sessionMinutes: s.avgSessionSeconds === null ? 0 : Math.log((1 + s.avgSessionSeconds / 60) / 2),
    pricing: oneHot(s.visitedPricing),
    checkout: oneHot(s.visitedCheckout),
    search: oneHot(s.referrerClass === 'search'),
    social: oneHot(s.referrerClass === 'social'),
    email: oneHot(s.referrerClass === 'email'),
    paid: oneHot(s.referrerClass === 'paid'),
    referral: oneHot(s.referrerClass === 'referral'),
    mobile: oneHot(s.device === 'mobile'),
    tablet: oneHot(s.device === 'tablet'),
  };
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** The model's logit for these signals. */
export function linearScore(s: BehaviourSignals, weights: Readonly<ScoreWeights>, now: number): number {
  const f = features(s, now);
  let z = weights.intercept;
  for (const name of FEATURES) z += weights[name] * f[name];
  return z;
}

/** Grows with the data seen: 0.21 for one page view of one session, 0.601 for 2 sessions and 6 page views, 0.908 for 5 and 20. */
export function localConfidence(s: BehaviourSignals): number {
  const evidence = Math.max(0, s.sessions) + Math.max(0, s.pageViews);
  return round(MAX_LOCAL_CONFIDENCE * (1 - Math.exp(-evidence / CONFIDENCE_SCALE)));
}

/** The local prediction, on the provider's scale (expectedValue: unknown without order values). */
export function localPrediction(s: BehaviourSignals, weights: Readonly<ScoreWeights>, now: number): Prediction {
  const z = linearScore(s, weights, now);
  return {
    score: Math.round(100 * sigmoid(z - weights.baseline)),
    confidence: localConfidence(s),
    conversionRate: Math.round(sigmoid(z) * 1e6) / 1e6,
    expectedValue: null,
  };
}
