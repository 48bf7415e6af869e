// Quantiles and the Student t distribution for the experiment statistics. No dependencies; builds
// on the special functions of stats.ts.
//
// - Normal quantile: Acklam's rational approximation (P. J. Acklam, "An algorithm for computing the
//   inverse normal cumulative distribution function", 2003; relative error < 1.15e-9), refined by
//   one Halley step against stats.ts's normalCdf (accurate to ~1e-14), which brings it to full
//   double precision in the central region and ~1e-12 relative in the tails.
// - Regularised incomplete beta I_x(a, b): the continued fraction of Numerical Recipes (Press et
//   al., 3rd ed., §6.4, `betacf`, modified Lentz), with the symmetry I_x(a, b) = 1 − I_{1−x}(b, a)
//   where the fraction converges slowly.
// - Student t CDF through I_x (Abramowitz & Stegun 26.7.1 / 26.5.27), its quantile by safeguarded
//   Newton steps on that CDF; Beta quantile by bisection (used for Clopper–Pearson bounds).
import { lnGamma, normalCdf } from './stats.js';

const EPS = 1e-15;
const FPMIN = 1e-300;
const MAX_ITERATIONS = 10_000;

const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239] as const;
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1] as const;
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416] as const;
const P_LOW = 0.02425;

function acklam(p: number): number {
  if (p < P_LOW || p > 1 - P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p < P_LOW ? p : 1 - p));
    const x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    return p < P_LOW ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
}

/** Standard normal quantile Φ⁻¹(p) for 0 < p < 1 (±∞ at 0 and 1, NaN outside). */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const x = acklam(p);
  // Halley: e = Φ(x) − p, u = e √(2π) e^{x²/2}, x ← x − u / (1 + x u / 2).
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Continued fraction for I_x(a, b) (Numerical Recipes `betacf`, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1; NaN otherwise. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1)) return Number.NaN;
  if (x === 0) return 0;
  if (x === 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Beyond this many degrees of freedom the t distribution is the normal to ~1e-8. */
const T_AS_NORMAL_DF = 1e8;

/** Student t CDF P(T ≤ t) with df > 0 degrees of freedom (df may be non-integer, e.g. Welch's). */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  if (df >= T_AS_NORMAL_DF) return normalCdf(t);
  // P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2)
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

function studentTDensity(t: number, df: number): number {
  return Math.exp(lnGamma((df + 1) / 2) - lnGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** Student t quantile: the t with P(T ≤ t) = p, for 0 < p < 1 and df > 0. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1) || !(df > 0)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  if (df >= T_AS_NORMAL_DF) return normalQuantile(p);
  if (p > 0.5) return -studentTQuantile(1 - p, df);
  // Lower tail from here on: the answer is negative. Bracket [lo, hi] and Newton steps inside it.
  let hi = 0;
  let lo = -1;
  while (studentTCdf(lo, df) > p) {
    hi = lo;
    lo *= 2;
    if (lo < -1e300) return Number.NEGATIVE_INFINITY;
  }
  let x = Math.max(lo, Math.min(hi, normalQuantile(p)));
  for (let i = 0; i < 200; i++) {
    const f = studentTCdf(x, df) - p;
    if (f > 0) hi = x;
    else lo = x;
    let next = x - f / studentTDensity(x, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - x) <= 1e-14 * Math.max(1, Math.abs(x))) return next;
    x = next;
  }
  return x;
}

/** Beta(a, b) quantile: the x with I_x(a, b) = p, by bisection (60 halvings: ~1e-18 of [0, 1]). */
export function betaQuantile(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1) || !(a > 0) || !(b > 0)) return Number.NaN;
  if (p === 0) return 0;
  if (p === 1) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (regularizedBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Exact (Clopper–Pearson) two-sided confidence interval for a binomial proportion with x successes
 * in n trials: [B⁻¹(α/2; x, n − x + 1), B⁻¹(1 − α/2; x + 1, n − x)], with 0 and 1 at the edges
 * (Clopper & Pearson, Biometrika 26, 1934). At level 0.95 each bound alone is a one-sided 97.5 % bound.
 */
export function clopperPearson(x: number, n: number, level = 0.95): [number, number] {
  if (!(n > 0) || !(x >= 0 && x <= n) || !(level > 0 && level < 1)) return [Number.NaN, Number.NaN];
  const alpha = 1 - level;
  const lower = x === 0 ? 0 : betaQuantile(alpha / 2, x, n - x + 1);
  const upper = x === n ? 1 : betaQuantile(1 - alpha / 2, x + 1, n - x);
  return [lower, upper];
}
