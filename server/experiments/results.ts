// Experiment results from what the store counted within each experiment's attribution window:
// per arm exposures, conversions, orders and revenue; against control, for the conversion rate and
// revenue per visitor, the sequential always-valid test (the default: read it at every refresh),
// the fixed-horizon test beside it, and the Bayesian chance to beat control; a sample-ratio-mismatch
// check. Pure. The JSON shapes are in contract.ts (the dashboard reads them).
import type { ExperimentResult, HoldoutResult, MetricComparison, VariantResult } from '../contract.js';
import type { ArmMetrics } from '../store/store.js';
import { normaliseWeights } from './assign.js';
import { averageOrderValue, type ArmSummary } from './estimates.js';
import { welchTest, zTestConversion, type FixedHorizonResult } from './fixed-horizon.js';
import { holdoutExperiment } from './holdout.js';
import { sequentialConversionTest, sequentialTest, type SequentialOptions, type SequentialResult } from './sequential.js';
import { chanceToBeatControl, sampleRatioMismatch } from './stats.js';
import { DEFAULT_ATTRIBUTION_DAYS, type Experiment } from './types.js';

export type { ExperimentResult, HoldoutResult, MetricComparison, VariantResult } from '../contract.js';

/** Error rate of every interval and decision shown (95 % intervals). */
export const ALPHA = 0.05;
export const DAY_MS = 86_400_000;

export interface ResultOptions extends Pick<SequentialOptions, 'tuningVisitors'> {
  /** A bandit's weights in force and each arm's chance to be best, one per variant (bandit.ts); without it the configured weights are the shares. */
  bandit?: { weights: readonly number[]; chanceToBeBest: readonly number[] };
}

/** Control is the first variant without an offer, else the first variant. */
export function controlOf(experiment: Experiment): string | undefined {
  return (experiment.variants.find((v) => v.offer === null) ?? experiment.variants[0])?.id;
}

/** The attribution window of an experiment, in ms. */
export function windowMsOf(experiment: Experiment): number {
  return (experiment.attributionDays ?? DEFAULT_ATTRIBUTION_DAYS) * DAY_MS;
}

const EMPTY: ArmMetrics = { exposures: 0, conversions: 0, orders: 0, revenue: {} };

/** The configured currency, else the one with the most orders (ties: alphabetical), else null. */
export function resultCurrency(experiment: Experiment, metrics: ReadonlyMap<string, ArmMetrics>): string | null {
  if (experiment.currency !== undefined) return experiment.currency;
  const orders = ordersByCurrency(metrics);
  return [...orders.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]?.[0] ?? null;
}

function ordersByCurrency(metrics: ReadonlyMap<string, ArmMetrics>): Map<string, number> {
  const orders = new Map<string, number>();
  for (const m of metrics.values()) for (const [c, r] of Object.entries(m.revenue)) orders.set(c, (orders.get(c) ?? 0) + r.orders);
  return orders;
}

/** The arm's revenue per visitor as sufficient statistics: its visitors, Σ revenue, Σ revenue² in `currency`. */
export function revenueSummary(m: ArmMetrics, currency: string | null): ArmSummary {
  const r = currency === null ? undefined : m.revenue[currency];
  return { n: m.exposures, sum: r?.revenue ?? 0, sumSquares: r?.revenueSquares ?? 0 };
}

function comparison(seq: SequentialResult | null, fixed: FixedHorizonResult | null, test: 'z-test' | 'welch'): MetricComparison | null {
  if (seq === null) return null;
  return {
    lift: seq.lift,
    liftInterval: seq.liftInterval,
    difference: seq.difference,
    differenceInterval: seq.differenceInterval,
    pValue: seq.pValue,
    decision: seq.decision,
    fixedHorizon: fixed === null ? null : { test, pValue: fixed.pValue, differenceInterval: fixed.differenceInterval, liftInterval: fixed.liftInterval },
  };
}

export function experimentResult(experiment: Experiment, metrics: ReadonlyMap<string, ArmMetrics>, options: ResultOptions = {}): ExperimentResult {
  const bandit = options.bandit !== undefined;
  const weights = normaliseWeights([...(options.bandit?.weights ?? experiment.variants.map((v) => v.weight))]) ?? experiment.variants.map(() => 0);
  const controlId = controlOf(experiment);
  const control = metrics.get(controlId ?? '') ?? EMPTY;
  const currency = resultCurrency(experiment, metrics);
  const seqOptions: SequentialOptions = { alpha: ALPHA, ...(options.tuningVisitors === undefined ? {} : { tuningVisitors: options.tuningVisitors }) };
  const variants = experiment.variants.map((v, i): VariantResult => {
    const m = metrics.get(v.id) ?? EMPTY;
    const isControl = v.id === controlId;
    const rev = revenueSummary(m, currency);
    const currencyOrders = currency === null ? 0 : (m.revenue[currency]?.orders ?? 0);
    let vsControl: VariantResult['vsControl'] = null;
    if (!isControl && !bandit) {
      const c = revenueSummary(control, currency);
      vsControl = {
        conversionRate: comparison(
          sequentialConversionTest(control.conversions, control.exposures, m.conversions, m.exposures, seqOptions),
          zTestConversion(control.conversions, control.exposures, m.conversions, m.exposures, ALPHA),
          'z-test',
        ),
        revenuePerVisitor: comparison(sequentialTest(c, rev, seqOptions), welchTest(c, rev, ALPHA), 'welch'),
        chanceToBeatControl: chanceToBeatControl(control.conversions, control.exposures, m.conversions, m.exposures),
      };
    }
    return {
      id: v.id,
      offer: v.offer,
      expectedShare: weights[i] ?? 0,
      isControl,
      exposures: m.exposures,
      conversions: m.conversions,
      conversionRate: m.exposures > 0 ? m.conversions / m.exposures : null,
      orders: m.orders,
      revenue: rev.sum,
      revenuePerVisitor: m.exposures > 0 ? rev.sum / m.exposures : null,
      averageOrderValue: averageOrderValue(currencyOrders, rev.sum),
      chanceToBeBest: options.bandit === undefined ? null : (options.bandit.chanceToBeBest[i] ?? 0),
      vsControl,
    };
  });
  const total = variants.reduce((n, v) => n + v.exposures, 0);
  return {
    id: experiment.id,
    status: experiment.status,
    coverage: experiment.coverage,
    attributionDays: experiment.attributionDays ?? DEFAULT_ATTRIBUTION_DAYS,
    allocation: bandit ? 'thompson' : 'fixed',
    allocationMetric: bandit ? (experiment.allocationMetric ?? 'conversion') : null,
    method: 'sequential',
    alpha: ALPHA,
    currency,
    otherCurrencies: [...ordersByCurrency(metrics)].filter(([c]) => c !== currency).sort(([a], [b]) => a.localeCompare(b)).map(([c, orders]) => ({ currency: c, orders })),
    variants,
    sampleRatioMismatch:
      !bandit && total > 0 && variants.length > 1
        ? sampleRatioMismatch(
            variants.map((v) => v.exposures),
            variants.map((v) => v.expectedShare),
          )
        : null,
  };
}

/**
 * The global holdout (control) against everyone else, and what the offers added: the difference in
 * conversion rate and in revenue per visitor, times the visitors who could see offers. Null without a holdout.
 */
export function holdoutResult(share: number, metrics: ReadonlyMap<string, ArmMetrics>): HoldoutResult | null {
  if (!(share > 0)) return null;
  const result = experimentResult(holdoutExperiment(share), metrics);
  const [held, offers] = result.variants;
  const incremental =
    held && offers && held.conversionRate !== null && offers.conversionRate !== null
      ? {
          conversions: (offers.conversionRate - held.conversionRate) * offers.exposures,
          revenue: result.currency === null || held.revenuePerVisitor === null || offers.revenuePerVisitor === null ? null : (offers.revenuePerVisitor - held.revenuePerVisitor) * offers.exposures,
        }
      : null;
  return { share, result, incremental };
}
