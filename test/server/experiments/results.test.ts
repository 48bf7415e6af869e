// Experiment results from what the store counted within the attribution window: rates, revenue per
// visitor and order value per arm; the sequential test first, the fixed-horizon and Bayesian
// readings beside it; the sample-ratio warning; the global holdout and what the offers added.
import { describe, expect, it } from 'vitest';
import { controlOf, experimentResult, holdoutResult, resultCurrency } from '../../../server/experiments/results';
import { formatResults } from '../../../server/experiments/results-format';
import { boundaryMultiplier, mixtureRho } from '../../../server/experiments/sequential';
import type { Experiment } from '../../../server/experiments/types';
import type { ArmMetrics, ArmRevenue } from '../../../server/store/store';

const experiment: Experiment = {
  id: 'pricing-coupon',
  coverage: 0.9,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
  ],
};

/** An arm: exposures, conversions, and per currency [orders, buyers, revenue, Σ revenue² per visitor]. */
function arm(exposures: number, conversions: number, revenue: Record<string, [number, number, number, number]> = {}, extraOrders = 0): ArmMetrics {
  const r: Record<string, ArmRevenue> = {};
  let orders = extraOrders;
  for (const [c, [o, buyers, sum, squares]] of Object.entries(revenue)) {
    r[c] = { orders: o, buyers, revenue: sum, revenueSquares: squares };
    orders += o;
  }
  return { exposures, conversions, orders, revenue: r };
}
const metrics = (m: Record<string, ArmMetrics>) => new Map(Object.entries(m));

describe('experimentResult: conversion rate', () => {
  it('takes the first variant without an offer as control', () => {
    expect(controlOf(experiment)).toBe('control');
    expect(controlOf({ ...experiment, variants: [{ id: 'a', weight: 1, offer: 'x' }, { id: 'b', weight: 1, offer: 'y' }] })).toBe('a');
  });

  it('at 1,000 visitors per arm a +30 % lift passes the z-test read once, while the always-valid test says keep running', () => {
    const r = experimentResult(experiment, metrics({ control: arm(1000, 100), coupon: arm(1000, 130) }));
    expect(r).toMatchObject({ method: 'sequential', alpha: 0.05, allocation: 'fixed', attributionDays: 7 });
    const [control, coupon] = r.variants;
    expect(control).toMatchObject({ isControl: true, exposures: 1000, conversions: 100, conversionRate: 0.1, vsControl: null });
    const c = coupon?.vsControl?.conversionRate;
    expect(coupon?.conversionRate).toBeCloseTo(0.13, 10);
    expect(c?.lift).toBeCloseTo(0.3, 10);
    expect(c?.fixedHorizon).toMatchObject({ test: 'z-test' });
    expect(c?.fixedHorizon?.pValue).toBeCloseTo(0.03549, 4);
    expect(c?.fixedHorizon?.liftInterval?.lower).toBeGreaterThan(c?.liftInterval?.lower ?? 0);
    // The sequential interval is wider (the price of reading at any time): it still holds 0.
    expect(c?.decision).toBe('keep-running');
    expect(c?.pValue).toBeGreaterThan(0.05);
    expect(c?.liftInterval?.lower).toBeLessThan(0);
    expect(c?.liftInterval?.upper).toBeGreaterThan(0.3);
    const halfWidth = (c!.differenceInterval.upper - c!.differenceInterval.lower) / 2;
    const se = Math.sqrt((0.1 * 0.9) / 999 + (0.13 * 0.87) / 999);
    expect(halfWidth / se).toBeCloseTo(boundaryMultiplier(2000, 0.05, mixtureRho(0.05, 10_000)), 6);
    expect(coupon?.vsControl?.chanceToBeatControl).toBeGreaterThan(0.97);
    expect(r.sampleRatioMismatch?.mismatch).toBe(false);
  });

  it('declares a winner, and a loser, once the always-valid interval leaves 0', () => {
    const up = experimentResult(experiment, metrics({ control: arm(5000, 500), coupon: arm(5000, 650) }));
    expect(up.variants[1]?.vsControl?.conversionRate).toMatchObject({ decision: 'treatment-wins' });
    expect(up.variants[1]?.vsControl?.conversionRate?.pValue).toBeLessThan(0.05);
    const down = experimentResult(experiment, metrics({ control: arm(5000, 650), coupon: arm(5000, 500) }));
    expect(down.variants[1]?.vsControl?.conversionRate).toMatchObject({ decision: 'control-wins' });
  });

  it('gives nulls, not NaN, without exposures', () => {
    const r = experimentResult(experiment, metrics({}));
    expect(r.variants.every((v) => v.conversionRate === null && v.revenuePerVisitor === null && v.averageOrderValue === null)).toBe(true);
    expect(r.variants[1]?.vsControl).toEqual({ conversionRate: null, revenuePerVisitor: null, chanceToBeatControl: null });
    expect(r.sampleRatioMismatch).toBeNull();
    expect(r.currency).toBeNull();
    expect(JSON.stringify(r)).not.toContain('NaN');
  });

  it('flags a sample ratio mismatch when exposures do not follow the weights', () => {
    const r = experimentResult(experiment, metrics({ control: arm(1000, 10), coupon: arm(800, 10) }));
    expect(r.sampleRatioMismatch?.mismatch).toBe(true);
    expect(formatResults([r])).toContain('WARNING sample ratio mismatch');
  });
});

describe('experimentResult: revenue', () => {
  // control: 40 buyers of 2,000 spend 50 each; coupon: 60 buyers of 2,000 spend 45 each.
  const m = metrics({
    control: arm(2000, 40, { EUR: [40, 40, 2000, 40 * 50 * 50] }),
    coupon: arm(2000, 60, { EUR: [60, 60, 2700, 60 * 45 * 45], USD: [2, 2, 80, 3200] }, 1),
  });

  it('reads revenue per visitor and order value in the currency most orders were in, and names the others', () => {
    const r = experimentResult(experiment, m);
    expect(r.currency).toBe('EUR');
    expect(r.otherCurrencies).toEqual([{ currency: 'USD', orders: 2 }]);
    const [control, coupon] = r.variants;
    expect(control).toMatchObject({ orders: 40, revenue: 2000, revenuePerVisitor: 1, averageOrderValue: 50 });
    expect(coupon).toMatchObject({ orders: 63, revenue: 2700, revenuePerVisitor: 1.35, averageOrderValue: 45 });
    const rpv = coupon?.vsControl?.revenuePerVisitor;
    expect(rpv?.lift).toBeCloseTo(0.35, 10);
    expect(rpv?.difference).toBeCloseTo(0.35, 10);
    expect(rpv?.liftInterval?.lower).toBeLessThan(0.35);
    expect(rpv?.liftInterval?.upper).toBeGreaterThan(0.35);
    expect(rpv?.fixedHorizon).toMatchObject({ test: 'welch' });
    expect(rpv?.fixedHorizon?.pValue).toBeGreaterThan(0);
    // Welch read once is narrower than the always-valid interval.
    const width = (i: { lower: number; upper: number } | null | undefined) => (i ? i.upper - i.lower : Number.NaN);
    expect(width(rpv?.fixedHorizon?.liftInterval)).toBeLessThan(width(rpv?.liftInterval));
  });

  it('uses the configured currency when there is one', () => {
    expect(resultCurrency({ ...experiment, currency: 'USD' }, m)).toBe('USD');
    const r = experimentResult({ ...experiment, currency: 'USD' }, m);
    expect(r.variants.map((v) => [v.revenue, v.averageOrderValue])).toEqual([
      [0, null],
      [80, 40],
    ]);
    expect(r.otherCurrencies).toEqual([{ currency: 'EUR', orders: 100 }]);
  });

  it('prints revenue, sequential lifts and decisions first, the fixed-horizon and Bayesian readings below, labelled', () => {
    const text = formatResults([experimentResult(experiment, m)]);
    expect(text).toContain('Experiment pricing-coupon (running, coverage 90%, attribution 7 days, revenue in EUR; orders not in it: 2 in USD)');
    expect(text).toMatch(/control \(control\)\s+\(none\)\s+50%\s+2000\s+40\s+2\.00%\s+1\.00\s+50\.00\s+40\s+—/);
    expect(text).toMatch(/coupon\s+welcome-coupon\s+50%\s+2000\s+60\s+3\.00%\s+1\.35\s+45\.00\s+63\s+\+50\.0%, \+1\.00 pts \[−\d\.\d\d, \+\d\.\d\d\]\s+\+35\.0%, \+0\.35 \[−\d\.\d\d, \+\d\.\d\d\]/);
    expect(text).toMatch(/keep running \/ keep running/);
    expect(text).toContain('Fixed-horizon tests (valid only read once, at a sample size set in advance)');
    expect(text).toMatch(/coupon: rate z-test p 0\.\d{4} \[.*\]; revenue\/visitor Welch p 0\.\d{4} \[.*\]; P\(beat control\) \d+\.\d%/);
    expect(text).toContain('sequential (always valid, 95%)');
  });

  it('says so when nothing is configured', () => {
    expect(formatResults([])).toBe('No experiments are configured.\n');
  });
});

describe('holdoutResult: what the offers add', () => {
  it('compares everyone else with the holdout and reads the conversions and revenue the offers added', () => {
    const h = holdoutResult(0.05, metrics({ holdout: arm(1000, 10, { EUR: [10, 10, 400, 16000] }), offers: arm(19000, 570, { EUR: [600, 570, 24000, 570 * 42 * 42] }) }));
    expect(h?.share).toBe(0.05);
    expect(h?.result.variants.map((v) => [v.id, v.isControl, v.expectedShare])).toEqual([
      ['holdout', true, 0.05],
      ['offers', false, 0.95],
    ]);
    expect(h?.result.sampleRatioMismatch?.mismatch).toBe(false);
    // Offers convert 3 %, the holdout 1 %: 2 points of 19,000 visitors = 380 conversions.
    expect(h?.incremental?.conversions).toBeCloseTo(380, 8);
    // Revenue per visitor 24000/19000 against 400/1000, times 19,000.
    expect(h?.incremental?.revenue).toBeCloseTo(24000 - 0.4 * 19000, 8);
    expect(h?.result.variants[1]?.vsControl?.conversionRate?.decision).toBe('treatment-wins');
    const text = formatResults([], h);
    expect(text).toContain('Global holdout (5.0% of visitors see no offer; attribution 7 days, revenue in EUR)');
    expect(text).toContain('The offers added about 380 conversions and 16400.00 EUR of revenue');
  });

  it('is null without a holdout; without visitors it adds nothing to read', () => {
    expect(holdoutResult(0, metrics({ holdout: arm(5, 0) }))).toBeNull();
    expect(holdoutResult(0.1, metrics({}))?.incremental).toBeNull();
  });
});

describe('experimentResult for a bandit', () => {
  it('shows its current weights as shares and no tests: no intervals, decisions, p-values or SRM', () => {
    const r = experimentResult(experiment, metrics({ control: arm(300, 9), coupon: arm(2700, 160) }), { bandit: { weights: [0.1, 0.9], chanceToBeBest: [0.02, 0.98] } });
    expect(r.allocation).toBe('thompson');
    expect(r.variants.map((v) => [v.expectedShare, v.vsControl])).toEqual([
      [0.1, null],
      [0.9, null],
    ]);
    expect(r.sampleRatioMismatch).toBeNull();
    const text = formatResults([r]);
    expect(text).not.toMatch(/z-test|Welch|lift, difference|decision \(rate/);
    expect(text).toContain('no p-values or intervals');
    expect(text).toMatch(/coupon\s+welcome-coupon\s+90%\s+2700\s+160\s+5\.93%.*98\.0%$/m);
    expect(text).toContain('bandit (Thompson sampling on conversion rate)');
    expect(r.variants.map((v) => v.chanceToBeBest)).toEqual([0.02, 0.98]);
    expect(r.allocationMetric).toBe('conversion');
  });
});
