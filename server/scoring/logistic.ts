// Logistic regression by Newton's method (iteratively reweighted least squares), pure: rows of
// features and 0/1 outcomes in, coefficients out. A small L2 penalty (not on the intercept) keeps
// the fit finite when a feature separates the outcomes (every checkout visitor converted) or never
// varies (no tablet visitor at all): such a weight stays near 0 instead of running off.

export interface FitOptions {
  /** L2 penalty on every coefficient but the intercept, per row (λ = l2 × rows). Default 1e-4. */
  l2?: number;
  /** Default 50. */
  maxIterations?: number;
  /** Largest coefficient change that counts as converged. Default 1e-8. */
  tolerance?: number;
}

export interface LogisticFit {
  /** [intercept, one per feature column]. */
  coefficients: number[];
  iterations: number;
  converged: boolean;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Fits P(y = 1 | x) = σ(b₀ + b·x). Every row must have the same length. */
export function fitLogistic(rows: readonly (readonly number[])[], outcomes: readonly (0 | 1)[], options: FitOptions = {}): LogisticFit {
  if (rows.length === 0 || rows.length !== outcomes.length) throw new RangeError('fitLogistic: need as many outcomes as rows, and at least one');
  const k = (rows[0]?.length ?? 0) + 1;
  const lambda = (options.l2 ?? 1e-4) * rows.length;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-8;
  const beta = new Array<number>(k).fill(0);
  // Start the intercept at the observed rate's logit: fewer steps, and no overshoot on rare outcomes.
  const rate = outcomes.reduce<number>((a, y) => a + y, 0) / outcomes.length;
  beta[0] = Math.log(Math.min(Math.max(rate, 1e-6), 1 - 1e-6) / (1 - Math.min(Math.max(rate, 1e-6), 1 - 1e-6)));
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const gradient = new Array<number>(k).fill(0);
    const hessian = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < rows.length; i++) {
      const x = rows[i] as readonly number[];
      let z = beta[0] as number;
      for (let j = 1; j < k; j++) z += (beta[j] as number) * (x[j - 1] as number);
      const p = sigmoid(z);
      const w = Math.max(p * (1 - p), 1e-12);
      const r = (outcomes[i] as number) - p;
      for (let a = 0; a < k; a++) {
        const xa = a === 0 ? 1 : (x[a - 1] as number);
        if (xa === 0) continue;
        gradient[a] = (gradient[a] as number) + r * xa;
        const row = hessian[a] as number[];
        for (let b = a; b < k; b++) {
          const xb = b === 0 ? 1 : (x[b - 1] as number);
          if (xb !== 0) row[b] = (row[b] as number) + w * xa * xb;
        }
      }
    }
    for (let a = 0; a < k; a++) {
      const row = hessian[a] as number[];
      for (let b = 0; b < a; b++) row[b] = (hessian[b] as number[])[a] as number;
      if (a > 0) {
        row[a] = (row[a] as number) + lambda;
        gradient[a] = (gradient[a] as number) - lambda * (beta[a] as number);
      }
    }
    const step = solve(hessian, gradient);
    let largest = 0;
    for (let a = 0; a < k; a++) {
      beta[a] = (beta[a] as number) + (step[a] as number);
      largest = Math.max(largest, Math.abs(step[a] as number));
    }
    if (largest < tolerance) return { coefficients: beta, iterations: iteration, converged: true };
  }
  return { coefficients: beta, iterations: maxIterations, converged: false };
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small and, penalised, positive definite). */
function solve(matrix: number[][], vector: number[]): number[] {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i] as number]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs((a[r] as number[])[col] as number) > Math.abs((a[pivot] as number[])[col] as number)) pivot = r;
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const top = a[col] as number[];
    const d = top[col] as number;
    if (Math.abs(d) < 1e-300) continue;
    for (let r = col + 1; r < n; r++) {
      const row = a[r] as number[];
      const f = (row[col] as number) / d;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) row[c] = (row[c] as number) - f * (top[c] as number);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = a[r] as number[];
    let s = row[n] as number;
    for (let c = r + 1; c < n; c++) s -= (row[c] as number) * (x[c] as number);
    const d = row[r] as number;
    x[r] = Math.abs(d) < 1e-300 ? 0 : s / d;
  }
  return x;
}
