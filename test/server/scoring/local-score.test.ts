// The local score: deterministic, on DataFast's scale (0–100, 50 = baseline; confidence 0–1), its
// reference visitor at the intercept, each sign of the default weights as README reasons, and a
// confidence that grows with the data and never reaches the provider's certainty.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, features, FEATURES, linearScore, localConfidence, localPrediction, sigmoid } from '../../../server/scoring/local-score';
import type { BehaviourSignals, DeviceClass, ReferrerClass } from '../../../server/scoring/signals';

const NOW = Date.UTC(2026, 10, 30, 12);
const REFERENCE: BehaviourSignals = { sessions: 1, pageViews: 1, lastSeenAt: NOW, avgSessionSeconds: 60, visitedPricing: false, visitedCheckout: false, referrerClass: 'direct', device: 'desktop' };

const signals: fc.Arbitrary<BehaviourSignals> = fc.record({
  sessions: fc.integer({ min: 0, max: 500 }),
  pageViews: fc.integer({ min: 0, max: 5000 }),
  lastSeenAt: fc.option(fc.integer({ min: NOW - 400 * 86_400_000, max: NOW + 60_000 }), { nil: null }),
  avgSessionSeconds: fc.option(fc.integer({ min: 0, max: 86_400 }), { nil: null }),
  visitedPricing: fc.boolean(),
  visitedCheckout: fc.boolean(),
  referrerClass: fc.constantFrom<ReferrerClass>('direct', 'search', 'social', 'email', 'paid', 'referral'),
  device: fc.constantFrom<DeviceClass>('desktop', 'mobile', 'tablet', 'unknown'),
});

describe('the local score', () => {
  it('puts the reference visitor (one page view, direct, desktop, seen now) at the intercept: every feature 0', () => {
    expect(Object.values(features(REFERENCE, NOW)).every((v) => v === 0)).toBe(true);
    expect(linearScore(REFERENCE, DEFAULT_WEIGHTS, NOW)).toBe(DEFAULT_WEIGHTS.intercept);
    const p = localPrediction(REFERENCE, DEFAULT_WEIGHTS, NOW);
    expect(p.conversionRate).toBeCloseTo(0.012, 4);
    expect(p.score).toBe(Math.round(100 * sigmoid(DEFAULT_WEIGHTS.intercept - DEFAULT_WEIGHTS.baseline)));
  });

  it('scores a visitor at the baseline 50', () => {
    expect(localPrediction(REFERENCE, { ...DEFAULT_WEIGHTS, baseline: DEFAULT_WEIGHTS.intercept }, NOW).score).toBe(50);
  });

  it('is on the provider scale and deterministic, for any signals', () => {
    fc.assert(
      fc.property(signals, (s) => {
        const p = localPrediction(s, DEFAULT_WEIGHTS, NOW);
        expect(Number.isInteger(p.score) && p.score >= 0 && p.score <= 100).toBe(true);
        expect(p.confidence).toBeGreaterThanOrEqual(0);
        expect(p.confidence).toBeLessThanOrEqual(0.95);
        expect(p.conversionRate).toBeGreaterThan(0);
        expect(p.conversionRate).toBeLessThan(1);
        expect(p.expectedValue).toBeNull();
        expect(localPrediction({ ...s }, { ...DEFAULT_WEIGHTS }, NOW)).toEqual(p);
      }),
    );
  });

  it('with the default weights: a pricing or checkout visit, more sessions or page views never lower the score; a mobile device never raises it', () => {
    fc.assert(
      fc.property(signals, (s) => {
        const z = (x: BehaviourSignals): number => linearScore(x, DEFAULT_WEIGHTS, NOW);
        expect(z({ ...s, visitedPricing: true })).toBeGreaterThanOrEqual(z(s));
        expect(z({ ...s, visitedCheckout: true })).toBeGreaterThanOrEqual(z(s));
        expect(z({ ...s, sessions: s.sessions + 1 })).toBeGreaterThanOrEqual(z(s));
        expect(z({ ...s, pageViews: s.pageViews + 1 })).toBeGreaterThanOrEqual(z(s));
        expect(z({ ...s, device: 'mobile' })).toBeLessThanOrEqual(z({ ...s, device: 'desktop' }));
      }),
    );
  });

  it('a recent visit counts more than an old one', () => {
    const week = 7 * 86_400_000;
    expect(features({ ...REFERENCE, lastSeenAt: NOW - week }, NOW).recency).toBeCloseTo(Math.exp(-1) - 1, 10);
    expect(linearScore({ ...REFERENCE, lastSeenAt: NOW - week }, DEFAULT_WEIGHTS, NOW)).toBeLessThan(linearScore(REFERENCE, DEFAULT_WEIGHTS, NOW));
  });

  it('confidence grows with sessions and page views: 0.21, 0.601, 0.908 as documented', () => {
    expect(localConfidence({ ...REFERENCE, sessions: 1, pageViews: 1 })).toBe(0.21);
    expect(localConfidence({ ...REFERENCE, sessions: 2, pageViews: 6 })).toBe(0.601);
    expect(localConfidence({ ...REFERENCE, sessions: 5, pageViews: 20 })).toBe(0.908);
    fc.assert(
      fc.property(signals, fc.nat(50), (s, more) => {
        expect(localConfidence({ ...s, pageViews: s.pageViews + more })).toBeGreaterThanOrEqual(localConfidence(s));
      }),
    );
  });

  it('has a weight for every feature, and the weights change the score', () => {
    for (const name of FEATURES) expect(typeof DEFAULT_WEIGHTS[name]).toBe('number');
    const warm: BehaviourSignals = { ...REFERENCE, visitedPricing: true };
    expect(localPrediction(warm, { ...DEFAULT_WEIGHTS, pricing: 3 }, NOW).score).toBeGreaterThan(localPrediction(warm, DEFAULT_WEIGHTS, NOW).score);
  });
});
