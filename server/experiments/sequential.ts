// Sequential, always-valid inference: results that may be read at every refresh and still keep
// their error rate. Pure.
//
// Method: the normal-mixture boundary, as an asymptotic confidence sequence (Waudby-Smith, Arbour,
// Sinha, Kennedy & Ramdas, "Time-uniform central limit theory and asymptotic confidence sequences",
// Annals of Statistics 2024, arXiv:2103.06476, Theorem 2.2 and the choice of ρ in its appendix; the
// method GrowthBook and Eppo ship). With z = estimate / SE, N the visitors in both arms and
// r = N ρ² + 1, the 1 − α interval is estimate ± SE · √(r/(r − 1) · (ln r + 2 ln(1/α))), and the
// always-valid p-value is min(1, √r · e^(−z² (r − 1) / (2r))). That p-value is the reciprocal of the
// mixture likelihood ratio of the mSPRT (Robbins 1970; Johari, Koomen, Pekelis & Walsh, "Always
// valid inference: continuous monitoring of A/B tests", Operations Research 70(3), 2022 — the
// method of Optimizely's Stats Engine) with mixing variance τ² = ρ² · N · SE²: the two are one test.
// Under the null it is a nonnegative martingale (asymptotically), so by Ville's inequality the chance
// that p ever drops below α, at any number of looks, is at most α.
//
// Tuning: ρ sets where the boundary is tightest. It is chosen (Waudby-Smith et al., eq. for ρ* in
// their appendix: ρ² = (−2 ln α + ln(1 − 2 ln α)) / N*) so that the interval is narrowest when N*
// visitors in total have been seen. Earlier reads are wider, later ones only slowly wider. Set N* to
// the total sample you expect the experiment to reach; GrowthBook defaults it to 5,000.
import { compare, conversionSummary, intervalAround, type ArmSummary, type Interval } from './estimates.js';

/** What a sequential read says to do. */
export type SequentialDecision = 'treatment-wins' | 'control-wins' | 'keep-running';

export interface SequentialOptions {
  /** Error rate the intervals and the decision keep over all looks. Default 0.05 (95 % intervals). */
  alpha?: number;
  /**
   * N*: total visitors (both arms) at which the interval is narrowest. Default
   * {@link DEFAULT_TUNING_VISITORS}.
   */
  tuningVisitors?: number;
}

export const DEFAULT_SEQUENTIAL_ALPHA = 0.05;
/**
 * Default N*: 10,000 visitors in both arms. The interval is then 3.4 standard errors wide on each
 * side at 2,000 visitors, 3.0 at 10,000 and 3.1 at 20,000 (1.96 for a single fixed-horizon read):
 * balanced between small sites and experiments of 10,000 visitors per arm, whose power it changes by
 * a point or two against 5,000 or 20,000. The error rate holds for any value.
 */
export const DEFAULT_TUNING_VISITORS = 10_000;

export interface SequentialResult {
  /** treatment − control. */
  difference: number;
  /** Always-valid (1 − α) interval for the difference. */
  differenceInterval: Interval;
  /** Relative lift (treatment − control) / control; null when control's mean is 0. */
  lift: number | null;
  /** Always-valid (1 − α) interval for the lift (delta-method SE on the same boundary). */
  liftInterval: Interval | null;
  /** Always-valid p-value for "no difference". */
  pValue: number;
  /** The difference interval excludes 0 on one side, or not (yet). */
  decision: SequentialDecision;
}

function checkedAlpha(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  return alpha;
}

/**
 * The mixture parameter ρ that makes the α-boundary narrowest at N* total visitors:
 * ρ = √((−2 ln α + ln(1 − 2 ln α)) / N*).
 */
export function mixtureRho(alpha: number, tuningVisitors: number): number {
  checkedAlpha(alpha);
  if (!(tuningVisitors > 0) || !Number.isFinite(tuningVisitors)) {
    throw new RangeError(`tuningVisitors must be a positive number, got ${tuningVisitors}`);
  }
  const l = -2 * Math.log(alpha);
  return Math.sqrt((l + Math.log(1 + l)) / tuningVisitors);
}

/**
 * How many standard errors the always-valid interval spans on each side after n visitors in total:
 * √(r/(r − 1) · (ln r + 2 ln(1/α))), r = n ρ² + 1. Infinite with no visitors. A fixed-horizon
 * interval would use Φ⁻¹(1 − α/2) (1.96 at α = 0.05): this is the price of reading at any time.
 */
export function boundaryMultiplier(nTotal: number, alpha: number, rho: number): number {
  checkedAlpha(alpha);
  const r = nTotal * rho * rho + 1;
  if (!(r > 1)) return Number.POSITIVE_INFINITY;
  return Math.sqrt((r / (r - 1)) * (Math.log(r) - 2 * Math.log(alpha)));
}

/**
 * Always-valid p-value after n visitors in total for the statistic z = estimate / SE:
 * min(1, √r · exp(−z² (r − 1) / (2r))), r = n ρ² + 1 — 1 / (mixture likelihood ratio).
 */
export function alwaysValidPValue(z: number, nTotal: number, rho: number): number {
  const r = nTotal * rho * rho + 1;
  if (!(r > 1) || Number.isNaN(z)) return 1;
  const logP = 0.5 * Math.log(r) - (z * z * (r - 1)) / (2 * r);
  return Math.min(1, Math.exp(logP));
}

/**
 * Sequential test of treatment against control on any per-visitor mean (conversion rate, revenue
 * per visitor) from the arms' sufficient statistics. Returns null when there is nothing to infer
 * yet: an arm with fewer than two visitors, an invalid summary, or no variation in either arm
 * (e.g. no conversions anywhere). The decision is `treatment-wins` when the difference interval
 * lies above 0, `control-wins` when below, else `keep-running`; p < α exactly when it excludes 0.
 *
 * Each read is valid on its own at every time. A caller that acts on the first decisive read
 * (stopping the experiment, or latching the decision) keeps the stated error rate.
 */
export function sequentialTest(control: ArmSummary, treatment: ArmSummary, options: SequentialOptions = {}): SequentialResult | null {
  const alpha = checkedAlpha(options.alpha ?? DEFAULT_SEQUENTIAL_ALPHA);
  const rho = mixtureRho(alpha, options.tuningVisitors ?? DEFAULT_TUNING_VISITORS);
  const c = compare(control, treatment);
  if (!c || !(c.differenceVariance > 0)) return null;
  const n = control.n + treatment.n;
  const m = boundaryMultiplier(n, alpha, rho);
  const differenceInterval = intervalAround(c.difference, c.differenceVariance, m);
  const liftInterval = c.lift !== null && c.liftVariance !== null ? intervalAround(c.lift, c.liftVariance, m) : null;
  const z = c.difference / Math.sqrt(c.differenceVariance);
  const decision: SequentialDecision =
    differenceInterval.lower > 0 ? 'treatment-wins' : differenceInterval.upper < 0 ? 'control-wins' : 'keep-running';
  return {
    difference: c.difference,
    differenceInterval,
    lift: c.lift,
    liftInterval,
    pValue: alwaysValidPValue(z, n, rho),
    decision,
  };
}

/** {@link sequentialTest} on conversion counts (a 0/1 outcome per visitor); null for impossible counts. */
export function sequentialConversionTest(
  controlConversions: number,
  controlExposures: number,
  treatmentConversions: number,
  treatmentExposures: number,
  options: SequentialOptions = {},
): SequentialResult | null {
  return sequentialTest(
    conversionSummary(controlExposures, controlConversions),
    conversionSummary(treatmentExposures, treatmentConversions),
    options,
  );
}
