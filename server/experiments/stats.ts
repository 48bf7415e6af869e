// Pure statistics for experiment results: a two-proportion z-test against control, a Bayesian
// chance to beat control, and a sample-ratio-mismatch (SRM) check. No dependencies.
//
// Special functions: ln Γ by the Lanczos approximation (g = 7, 9 terms; ~1e-15 relative), the
// regularised incomplete gamma functions P(a, x) and Q(a, x) by the series / continued-fraction
// pair of Numerical Recipes (gser / gcf with the modified Lentz method, relative tolerance 1e-15),
// and the normal CDF through the identity erfc(t) = Q(1/2, t²), which is accurate to ~1e-14
// absolute (well beyond the 1.2e-7 of the classic erfc Chebyshev fit) including far tails.

const EPS = 1e-15;
const FPMIN = 1e-300;
const MAX_ITERATIONS = 10_000;

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;

/** ln Γ(x) for x > 0 (Lanczos, with the reflection formula below 0.5). */
export function lnGamma(x: number): number {
  if (x < 0.5) {
    // Γ(x) Γ(1 − x) = π / sin(πx)
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  }
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += (LANCZOS[i] ?? 0) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Series for P(a, x); converges fast for x < a + 1. */
function gammaSeries(a: number, x: number): number {
  let ap = a;
  let del = 1 / a;
  let sum = del;
  for (let n = 0; n < MAX_ITERATIONS; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lnGamma(a));
}

/** Continued fraction for Q(a, x) (modified Lentz); converges fast for x ≥ a + 1. */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h;
}

/** Regularised lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), for a > 0, x ≥ 0. */
export function regularizedGammaP(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return Number.NaN;
  if (x === 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), for a > 0, x ≥ 0. */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

/** Upper-tail p-value of a χ² statistic with df degrees of freedom: Q(df/2, χ²/2). */
export function chiSquarePValue(chiSquare: number, df: number): number {
  if (!(df > 0)) return Number.NaN;
  if (!(chiSquare > 0)) return chiSquare === 0 ? 1 : Number.NaN;
  return regularizedGammaQ(df / 2, chiSquare / 2);
}

/** Complementary error function, erfc(x) = 1 − erf(x). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === 0) return 1;
  const q = regularizedGammaQ(0.5, x * x);
  return x > 0 ? q : 2 - q;
}

/** Standard normal CDF Φ(z) = erfc(−z/√2) / 2. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function validCounts(conv: number, n: number): boolean {
  return Number.isFinite(conv) && Number.isFinite(n) && conv >= 0 && n > 0 && conv <= n;
}

export interface TwoProportionResult {
  /** Relative lift of the variant's conversion rate over control's: (pv − pc) / pc. */
  lift: number | null;
  /** Pooled z statistic (positive when the variant converts better). */
  z: number | null;
  /** Two-sided p-value of the pooled z-test. */
  pValue: number | null;
}

/**
 * Pooled two-proportion z-test, variant against control, two-sided:
 * p = (cc + cv) / (nc + nv), z = (pv − pc) / √(p (1 − p) (1/nc + 1/nv)), pValue = 2 Φ(−|z|).
 * Counts must satisfy 0 ≤ conversions ≤ n and n > 0; otherwise everything is null. `lift` is null
 * when control has no conversions; `z` and `pValue` are null when the pooled rate is 0 or 1 (no
 * variance: both groups all-or-nothing alike).
 */
export function twoProportionTest(
  controlConv: number,
  controlN: number,
  variantConv: number,
  variantN: number,
): TwoProportionResult {
  if (!validCounts(controlConv, controlN) || !validCounts(variantConv, variantN)) {
    return { lift: null, z: null, pValue: null };
  }
  const pc = controlConv / controlN;
  const pv = variantConv / variantN;
  const lift = pc > 0 ? (pv - pc) / pc : null;
  const pooled = (controlConv + variantConv) / (controlN + variantN);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / controlN + 1 / variantN));
  if (!(se > 0)) return { lift, z: null, pValue: null };
  const z = (pv - pc) / se;
  const pValue = Math.min(1, 2 * normalCdf(-Math.abs(z)));
  return { lift, z, pValue };
}

/**
 * Bayesian chance that the variant's true conversion rate beats control's, P(θv > θc).
 * Priors Beta(1, 1) (uniform); posteriors Beta(1 + conv, 1 + n − conv). Each posterior is
 * approximated by a normal with the Beta's mean α/(α+β) and variance αβ/((α+β)²(α+β+1)), so
 * P(θv > θc) ≈ Φ((μv − μc) / √(σv² + σc²)). The approximation is good once each group has a few
 * dozen visitors and some conversions (it differs from Monte Carlo by ~1e-4 at 1,000 visitors and a
 * 10 % rate); for tiny samples treat it as indicative only. Null when either group has no visitors
 * or the counts are invalid.
 */
export function chanceToBeatControl(
  controlConv: number,
  controlN: number,
  variantConv: number,
  variantN: number,
): number | null {
  if (!validCounts(controlConv, controlN) || !validCounts(variantConv, variantN)) return null;
  const posterior = (conv: number, n: number): { mean: number; variance: number } => {
    const a = 1 + conv;
    const b = 1 + n - conv;
    const s = a + b;
    return { mean: a / s, variance: (a * b) / (s * s * (s + 1)) };
  };
  const c = posterior(controlConv, controlN);
  const v = posterior(variantConv, variantN);
  return normalCdf((v.mean - c.mean) / Math.sqrt(c.variance + v.variance));
}

export interface SampleRatioResult {
  chiSquare: number;
  pValue: number;
  /** True when p < 0.001: the split of visitors does not match the configured weights. */
  mismatch: boolean;
}

/** p-value below which a sample ratio mismatch is reported. */
export const SRM_P_THRESHOLD = 0.001;

/**
 * Sample-ratio-mismatch check: χ² goodness of fit of the observed visitors per variant against
 * the configured weights (normalised over the variants with a positive weight), df = k − 1.
 * Variants with weight 0 are skipped, as are their observations. With fewer than two weighted
 * variants or no observations there is nothing to test: χ² = 0, p = 1, no mismatch.
 */
export function sampleRatioMismatch(observed: number[], expectedWeights: number[]): SampleRatioResult {
  if (observed.length !== expectedWeights.length) {
    throw new RangeError(
      `sampleRatioMismatch: ${observed.length} observed counts for ${expectedWeights.length} weights`,
    );
  }
  const pairs: Array<{ o: number; w: number }> = [];
  observed.forEach((o, i) => {
    const w = expectedWeights[i] ?? 0;
    if (Number.isFinite(w) && w > 0) pairs.push({ o, w });
  });
  const total = pairs.reduce((sum, p) => sum + p.o, 0);
  const weightSum = pairs.reduce((sum, p) => sum + p.w, 0);
  if (pairs.length < 2 || !(total > 0)) return { chiSquare: 0, pValue: 1, mismatch: false };
  let chiSquare = 0;
  for (const { o, w } of pairs) {
    const e = (total * w) / weightSum;
    chiSquare += ((o - e) * (o - e)) / e;
  }
  const pValue = chiSquarePValue(chiSquare, pairs.length - 1);
  return { chiSquare, pValue, mismatch: pValue < SRM_P_THRESHOLD };
}

export interface IndependenceResult {
  chiSquare: number;
  df: number;
  pValue: number;
}

/**
 * Pearson χ² test of independence on an r × c contingency table (rows and columns that are all
 * zero are dropped). df = (r − 1)(c − 1); with df = 0 there is nothing to test (χ² = 0, p = 1).
 */
export function chiSquareIndependence(table: number[][]): IndependenceResult {
  const width = Math.max(0, ...table.map((row) => row.length));
  const cell = (r: number, c: number): number => table[r]?.[c] ?? 0;
  const rowTotals = table.map((_, r) => Array.from({ length: width }, (_x, c) => cell(r, c)).reduce((a, b) => a + b, 0));
  const colTotals = Array.from({ length: width }, (_x, c) => table.reduce((sum, _row, r) => sum + cell(r, c), 0));
  const rows = rowTotals.flatMap((t, r) => (t > 0 ? [r] : []));
  const cols = colTotals.flatMap((t, c) => (t > 0 ? [c] : []));
  const total = rows.reduce((sum, r) => sum + (rowTotals[r] ?? 0), 0);
  const df = (rows.length - 1) * (cols.length - 1);
  if (df <= 0) return { chiSquare: 0, df: 0, pValue: 1 };
  let chiSquare = 0;
  for (const r of rows) {
    for (const c of cols) {
      const e = ((rowTotals[r] ?? 0) * (colTotals[c] ?? 0)) / total;
      const d = cell(r, c) - e;
      chiSquare += (d * d) / e;
    }
  }
  return { chiSquare, df, pValue: chiSquarePValue(chiSquare, df) };
}
