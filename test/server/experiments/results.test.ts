// Experiment results from counts: rates, tests against control, and the sample-ratio warning.
import { describe, expect, it } from 'vitest';
import { controlOf, experimentResult, formatResults } from '../../../server/experiments/results';
import type { Experiment } from '../../../server/experiments/types';
import type { VariantCounts } from '../../../server/store/store';

const experiment: Experiment = {
  id: 'pricing-coupon',
  coverage: 0.9,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
  ],
};
const counts = (c: Record<string, [number, number]>): Map<string, VariantCounts> =>
  new Map(Object.entries(c).map(([k, [exposures, conversions]]) => [k, { exposures, conversions }]));

describe('experimentResult', () => {
  it('takes the first variant without an offer as control', () => {
    expect(controlOf(experiment)).toBe('control');
    expect(controlOf({ ...experiment, variants: [{ id: 'a', weight: 1, offer: 'x' }, { id: 'b', weight: 1, offer: 'y' }] })).toBe('a');
  });

  it('computes rates, lift and the two-proportion test against control', () => {
    const r = experimentResult(experiment, counts({ control: [1000, 100], coupon: [1000, 130] }));
    const [control, coupon] = r.variants;
    expect(control).toMatchObject({ isControl: true, exposures: 1000, conversions: 100, conversionRate: 0.1, lift: null, pValue: null });
    expect(coupon?.conversionRate).toBeCloseTo(0.13, 10);
    expect(coupon?.lift).toBeCloseTo(0.3, 10);
    expect(coupon?.pValue).toBeCloseTo(0.03549, 4);
    expect(coupon?.chanceToBeatControl).toBeGreaterThan(0.97);
    expect(r.sampleRatioMismatch?.mismatch).toBe(false);
  });

  it('gives nulls, not NaN, for variants without exposures', () => {
    const r = experimentResult(experiment, counts({}));
    expect(r.variants.every((v) => v.conversionRate === null && v.pValue === null)).toBe(true);
    expect(r.sampleRatioMismatch).toBeNull();
    expect(JSON.stringify(r)).not.toContain('NaN');
  });

  it('flags a sample ratio mismatch when exposures do not follow the weights', () => {
    const r = experimentResult(experiment, counts({ control: [1000, 10], coupon: [800, 10] }));
    expect(r.sampleRatioMismatch?.mismatch).toBe(true);
    expect(formatResults([r])).toContain('WARNING sample ratio mismatch');
  });
});

describe('formatResults', () => {
  it('prints one row per variant with a significance mark', () => {
    const text = formatResults([experimentResult(experiment, counts({ control: [1000, 100], coupon: [1000, 130] }))]);
    expect(text).toContain('Experiment pricing-coupon (running, coverage 90%)');
    expect(text).toMatch(/control \(control\)\s+\(none\)\s+50%\s+1000\s+100\s+10\.00%/);
    expect(text).toMatch(/coupon\s+welcome-coupon\s+50%\s+1000\s+130\s+13\.00%\s+\+30\.0%\s+0\.0355 \*/);
    expect(text).not.toContain('WARNING');
  });

  it('says so when nothing is configured', () => {
    expect(formatResults([])).toBe('No experiments are configured.\n');
  });
});
