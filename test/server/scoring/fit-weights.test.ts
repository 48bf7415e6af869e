// Fitting the local score's weights on a generated site whose visitors convert by a known model
// (seeded, so every run sees the same 60,000 visitors): the fit recovers each true weight within
// 0.25, and on the visitors kept out of it the predictions are calibrated within 2 points. Also
// the pieces: logistic regression on a one-feature case, calibration by decile.
import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../../../server/experiments/rng';
import { calibrationByDecile } from '../../../server/scoring/calibration';
import { fitScoreWeights, weightsAsConfig, type ScoreSample } from '../../../server/scoring/fit-weights';
import { DEFAULT_WEIGHTS, FEATURES, linearScore, sigmoid, type ScoreWeights } from '../../../server/scoring/local-score';
import { fitLogistic } from '../../../server/scoring/logistic';
import { REFERRER_CLASSES, type BehaviourSignals, type DeviceClass } from '../../../server/scoring/signals';

const T0 = Date.UTC(2026, 9, 1);
const DAY = 86_400_000;

/** Different from the defaults on purpose: the fit must find these, not fall back on those. */
const TRUE_WEIGHTS: ScoreWeights = {
  intercept: -3.2,
  baseline: DEFAULT_WEIGHTS.baseline,
  sessions: 0.5,
  pageViews: 0.3,
  recency: 0.8,
  sessionMinutes: 0.4,
  pricing: 0.9,
  checkout: 1.5,
  search: 0.3,
  social: -0.5,
  email: 0.6,
  paid: 0.2,
  referral: 0.1,
  mobile: -0.6,
  tablet: -0.3,
};

function visitorSignals(rng: Random, at: number): BehaviourSignals {
  const sessions = 1 + Math.floor(-Math.log(rng()) * 2);
  const u = rng();
  const device: DeviceClass = u < 0.55 ? 'desktop' : u < 0.9 ? 'mobile' : 'tablet';
  return {
    sessions,
    pageViews: sessions * (1 + Math.floor(rng() * 6)),
    lastSeenAt: at - Math.floor(rng() ** 3 * 30 * DAY),
    avgSessionSeconds: rng() < 0.1 ? null : Math.floor(Math.exp(rng() * 6)),
    visitedPricing: rng() < 0.3,
    visitedCheckout: rng() < 0.1,
    referrerClass: REFERRER_CLASSES[Math.floor(rng() * REFERRER_CLASSES.length)] ?? 'direct',
    device,
  };
}

function generatedSite(n: number, seed: string): ScoreSample[] {
  const rng = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const at = T0 + i * 60_000;
    const signals = visitorSignals(rng, at);
    return { signals, at, converted: rng() < sigmoid(linearScore(signals, TRUE_WEIGHTS, at)) };
  });
}

describe('fitScoreWeights on a site with a known model', () => {
  const samples = generatedSite(60_000, 'fit-score-known-model');
  const fit = fitScoreWeights(samples);

  it('recovers every true weight within 0.25, and the intercept within 0.25', () => {
    expect(fit.converged).toBe(true);
    for (const name of ['intercept', ...FEATURES] as const) {
      expect(Math.abs(fit.weights[name] - TRUE_WEIGHTS[name]), `${name}: fitted ${fit.weights[name]}, true ${TRUE_WEIGHTS[name]}`).toBeLessThan(0.25);
    }
  });

  it('is calibrated within 2 points on the visitors kept out of the fit', () => {
    expect(fit.heldOut).toBe(12_000);
    expect(fit.calibration.bins).toHaveLength(10);
    expect(fit.calibration.errorPoints).toBeLessThan(2);
    // The deciles rank: the top one converts far more than the bottom one.
    const bins = fit.calibration.bins;
    expect((bins[9]?.observed ?? 0) - (bins[0]?.observed ?? 1)).toBeGreaterThan(0.2);
  });

  it("sets the baseline (score 50) at the site's own conversion rate", () => {
    const rate = fit.conversions / samples.length;
    expect(sigmoid(fit.weights.baseline)).toBeCloseTo(rate, 6);
  });

  it('the default weights, on the same visitors, are calibrated worse than the fitted ones', () => {
    const held = samples.filter((_, i) => i % 5 === 4);
    const withDefaults = calibrationByDecile(
      held.map((s) => sigmoid(linearScore(s.signals, DEFAULT_WEIGHTS, s.at))),
      held.map((s) => (s.converted ? 1 : 0)),
    );
    expect(withDefaults.errorPoints).toBeGreaterThan(fit.calibration.errorPoints);
  });

  it('prints as the localScore.weights option: every weight, rounded', () => {
    const config = weightsAsConfig(fit.weights);
    expect(Object.keys(config).sort()).toEqual(['baseline', 'intercept', ...FEATURES].sort());
    for (const v of Object.values(config)) expect(Math.round(v * 1000) / 1000).toBe(v);
  });
});

describe('fitLogistic', () => {
  it('recovers one coefficient and the intercept of a logistic model', () => {
    const rng = seededRandom('logistic-one');
    const rows: number[][] = [];
    const ys: (0 | 1)[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = rng() * 4 - 2;
      rows.push([x]);
      ys.push(rng() < sigmoid(-1 + 1.5 * x) ? 1 : 0);
    }
    const fit = fitLogistic(rows, ys);
    expect(fit.coefficients[0]).toBeCloseTo(-1, 1);
    expect(fit.coefficients[1]).toBeCloseTo(1.5, 1);
  });

  it('stays finite when a feature separates the outcomes, or never varies', () => {
    const rows = [[1, 0], [1, 0], [0, 0], [0, 0]];
    const fit = fitLogistic(rows, [1, 1, 0, 0]);
    for (const c of fit.coefficients) expect(Number.isFinite(c)).toBe(true);
    expect(fit.coefficients[2]).toBe(0);
  });

  it('refuses rows without outcomes', () => {
    expect(() => fitLogistic([], [])).toThrow(RangeError);
    expect(() => fitLogistic([[1]], [])).toThrow(RangeError);
  });
});

describe('calibrationByDecile', () => {
  it('ten groups of equal size by prediction; the error is the visitors’ mean gap, in points', () => {
    const predictions = Array.from({ length: 100 }, (_, i) => i / 100);
    const outcomes = predictions.map((_, i) => (i % 10 === 0 ? 1 : 0) as 0 | 1);
    const c = calibrationByDecile(predictions, outcomes);
    expect(c.bins.map((b) => b.visitors)).toEqual(Array(10).fill(10));
    expect(c.bins[0]).toEqual({ decile: 1, visitors: 10, predicted: expect.closeTo(0.045, 12) as number, observed: 0.1 });
    const expected = c.bins.reduce((a, b) => a + Math.abs(b.predicted - b.observed), 0) * 10;
    expect(c.errorPoints).toBeCloseTo(expected, 10);
  });
});
