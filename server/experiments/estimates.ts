// Per-arm sufficient statistics and the point estimates every test compares: the difference of two
// means with its variance, and the relative lift with its delta-method variance. Pure.
//
// One shape serves both metrics. A conversion rate is the mean of a 0/1 outcome per visitor, so
// sum = sum of squares = conversions. Revenue per visitor is the mean of each visitor's revenue,
// zero for visitors who did not buy: sum = total revenue, sumSquares = Σ revenue² over visitors.

/** Sufficient statistics of one arm's per-visitor outcome. */
export interface ArmSummary {
  /** Visitors (exposures). */
  n: number;
  /** Σ outcome over visitors. */
  sum: number;
  /** Σ outcome² over visitors. */
  sumSquares: number;
}

/** A difference (treatment − control) and a relative lift, each with the variance of its estimate. */
export interface Comparison {
  controlMean: number;
  treatmentMean: number;
  /** treatment mean − control mean. */
  difference: number;
  /** s²_t / n_t + s²_c / n_c (Welch's, unpooled). */
  differenceVariance: number;
  /** (treatment − control) / control; null when the control mean is not positive. */
  lift: number | null;
  /** Delta-method variance of the lift; null with the lift. */
  liftVariance: number | null;
}

/** The arm summary of a conversion count: a 0/1 outcome per visitor. */
export function conversionSummary(exposures: number, conversions: number): ArmSummary {
  return { n: exposures, sum: conversions, sumSquares: conversions };
}

/**
 * True when the summary could come from real data: n a non-negative integer, finite sums, and the
 * sum of squares at least sum²/n (Cauchy–Schwarz, with a relative tolerance for rounding).
 */
export function isValidSummary(s: ArmSummary): boolean {
  if (!Number.isInteger(s.n) || s.n < 0 || !Number.isFinite(s.sum) || !Number.isFinite(s.sumSquares)) return false;
  if (s.sumSquares < 0) return false;
  if (s.n === 0) return s.sum === 0 && s.sumSquares === 0;
  return s.sumSquares >= ((s.sum * s.sum) / s.n) * (1 - 1e-9) - 1e-12;
}

/** The arm's mean outcome, or null without visitors (or with an invalid summary). */
export function meanOf(s: ArmSummary): number | null {
  return isValidSummary(s) && s.n > 0 ? s.sum / s.n : null;
}

/**
 * The arm's sample variance with Bessel's correction, (Σx² − (Σx)²/n) / (n − 1), clamped at 0
 * against rounding; null below two visitors or with an invalid summary.
 */
export function varianceOf(s: ArmSummary): number | null {
  if (!isValidSummary(s) || s.n < 2) return null;
  return Math.max(0, (s.sumSquares - (s.sum * s.sum) / s.n) / (s.n - 1));
}

/**
 * Treatment against control: the difference of means with Welch's variance, and the relative lift
 * with the delta-method variance of a ratio of independent means,
 * Var(m_t / m_c) ≈ V_t / m_c² + m_t² V_c / m_c⁴ with V = s² / n (as GrowthBook's gbstats computes
 * it; see e.g. Casella & Berger, Statistical Inference, §5.5.4). Null when either arm has fewer than
 * two visitors or an invalid summary.
 */
export function compare(control: ArmSummary, treatment: ArmSummary): Comparison | null {
  const mc = meanOf(control);
  const mt = meanOf(treatment);
  const vc = varianceOf(control);
  const vt = varianceOf(treatment);
  if (mc === null || mt === null || vc === null || vt === null) return null;
  const seC = vc / control.n;
  const seT = vt / treatment.n;
  const positive = mc > 0;
  return {
    controlMean: mc,
    treatmentMean: mt,
    difference: mt - mc,
    differenceVariance: seT + seC,
    lift: positive ? (mt - mc) / mc : null,
    liftVariance: positive ? seT / (mc * mc) + (mt * mt * seC) / (mc * mc * mc * mc) : null,
  };
}

/** Average order value: revenue ÷ orders; null without orders or with non-finite input. */
export function averageOrderValue(orders: number, revenue: number): number | null {
  if (!(orders > 0) || !Number.isFinite(orders) || !Number.isFinite(revenue)) return null;
  return revenue / orders;
}

/** A two-sided interval [lower, upper]. */
export interface Interval {
  lower: number;
  upper: number;
}

/** estimate ± multiplier × √variance. */
export function intervalAround(estimate: number, variance: number, multiplier: number): Interval {
  const half = multiplier * Math.sqrt(variance);
  return { lower: estimate - half, upper: estimate + half };
}
