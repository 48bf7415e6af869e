// Fixed-horizon tests: valid when the sample size is decided in advance and the result read once at
// the end. Reading them repeatedly inflates their false-positive rate (the simulation shows by how
// much); sequential.ts is the default for results read at any time. Pure.
import { normalQuantile, studentTCdf, studentTQuantile } from './distributions.js';
import { compare, intervalAround, varianceOf, type ArmSummary, type Interval } from './estimates.js';
import { twoProportionTest } from './stats.js';

export interface FixedHorizonResult {
  /** treatment − control. */
  difference: number;
  /** (1 − α) confidence interval for the difference. */
  differenceInterval: Interval;
  /** Relative lift (treatment − control) / control; null when control's mean is 0. */
  lift: number | null;
  /** (1 − α) interval for the lift, delta-method standard error. */
  liftInterval: Interval | null;
  /** The test statistic (z or Welch's t), positive when the treatment is higher. */
  statistic: number | null;
  /** Degrees of freedom of Welch's t; null for the z-test. */
  degreesOfFreedom: number | null;
  /** Two-sided p-value. */
  pValue: number | null;
}

function checkedAlpha(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  return alpha;
}

let lastAlpha = Number.NaN;
let lastZ = Number.NaN;
/** Φ⁻¹(1 − α/2), remembered for the last α (dashboards read every experiment at the same α). */
function twoSidedZ(alpha: number): number {
  if (alpha !== lastAlpha) {
    lastZ = normalQuantile(1 - alpha / 2);
    lastAlpha = alpha;
  }
  return lastZ;
}

/**
 * Two-proportion z-test for conversion rates (any textbook, e.g. Agresti, Categorical Data
 * Analysis, §2.4 and §3.1): the p-value from the pooled z statistic (stats.ts `twoProportionTest`,
 * as the results table has always shown), the interval for the difference from the unpooled Wald
 * standard error √(pc(1−pc)/nc + pt(1−pt)/nt) with z = Φ⁻¹(1 − α/2), and for the lift the
 * delta-method interval. Null with fewer than two visitors in an arm or invalid counts.
 */
export function zTestConversion(
  controlConversions: number,
  controlExposures: number,
  treatmentConversions: number,
  treatmentExposures: number,
  alpha = 0.05,
): FixedHorizonResult | null {
  const z = twoSidedZ(checkedAlpha(alpha));
  if (!(controlExposures >= 2 && treatmentExposures >= 2)) return null;
  if (!(controlConversions >= 0 && controlConversions <= controlExposures)) return null;
  if (!(treatmentConversions >= 0 && treatmentConversions <= treatmentExposures)) return null;
  const pc = controlConversions / controlExposures;
  const pt = treatmentConversions / treatmentExposures;
  const waldVarC = (pc * (1 - pc)) / controlExposures;
  const waldVarT = (pt * (1 - pt)) / treatmentExposures;
  const test = twoProportionTest(controlConversions, controlExposures, treatmentConversions, treatmentExposures);
  const liftVariance = pc > 0 ? waldVarT / (pc * pc) + (pt * pt * waldVarC) / (pc * pc * pc * pc) : null;
  return {
    difference: pt - pc,
    differenceInterval: intervalAround(pt - pc, waldVarC + waldVarT, z),
    lift: test.lift,
    liftInterval: test.lift !== null && liftVariance !== null ? intervalAround(test.lift, liftVariance, z) : null,
    statistic: test.z,
    degreesOfFreedom: null,
    pValue: test.pValue,
  };
}

/**
 * Welch's unequal-variance t-test on per-visitor means (revenue per visitor), from sufficient
 * statistics (Welch, Biometrika 34, 1947; degrees of freedom by Welch–Satterthwaite:
 * (V_t + V_c)² / (V_t²/(n_t − 1) + V_c²/(n_c − 1)), V = s²/n). The interval for the lift uses the
 * delta-method standard error with the same t quantile (as GrowthBook's gbstats does). Null with
 * fewer than two visitors in an arm, an invalid summary, or no variation in either arm.
 */
export function welchTest(control: ArmSummary, treatment: ArmSummary, alpha = 0.05): FixedHorizonResult | null {
  checkedAlpha(alpha);
  const c = compare(control, treatment);
  if (!c || !(c.differenceVariance > 0)) return null;
  const vc = (varianceOf(control) ?? 0) / control.n;
  const vt = (varianceOf(treatment) ?? 0) / treatment.n;
  const df = (c.differenceVariance * c.differenceVariance) / ((vt * vt) / (treatment.n - 1) + (vc * vc) / (control.n - 1));
  const t = c.difference / Math.sqrt(c.differenceVariance);
  const q = studentTQuantile(1 - alpha / 2, df);
  return {
    difference: c.difference,
    differenceInterval: intervalAround(c.difference, c.differenceVariance, q),
    lift: c.lift,
    liftInterval: c.lift !== null && c.liftVariance !== null ? intervalAround(c.lift, c.liftVariance, q) : null,
    statistic: t,
    degreesOfFreedom: df,
    pValue: Math.min(1, 2 * studentTCdf(-Math.abs(t), df)),
  };
}
