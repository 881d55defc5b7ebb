/**
 * Linear quantile regression by iteratively reweighted least squares: minimises the pinball loss
 * Σ ρ_q(y − x·β) with weights w_i = (q or 1 − q) / max(|r_i|, ε), re-solving the small normal
 * equations until the coefficients settle. Plenty for a handful of regressors and thousands of rows.
 */

/** Options of `fitQuantile`. */
export interface QuantileFitOptions {
  readonly iterations?: number;
  /** Floor on |residual| in the weights (keeps them finite at exact fits). */
  readonly epsilon?: number;
  /**
   * Ridge penalty λ·Σw·β² on every coefficient but the intercept's (λ default 1e-4): negligible for a
   * regressor that varies, and it keeps a (near-)constant one at 0 instead of a huge coefficient.
   */
  readonly ridge?: number;
}

/**
 * Coefficients β (one per column of `x`, rows × cols row-major) for quantile `q` of `y`. The first
 * column is taken to be the intercept (not penalised).
 */
export function fitQuantile(
  x: Float64Array,
  y: Float64Array,
  cols: number,
  q: number,
  o: QuantileFitOptions = {},
): number[] {
  const rows = y.length;
  const eps = o.epsilon ?? 1e-4;
  const ridge = o.ridge ?? 1e-4;
  let beta = new Array<number>(cols).fill(0);
  const w = new Float64Array(rows).fill(1);
  for (let it = 0; it < (o.iterations ?? 60); it++) {
    const next = weightedLeastSquares(x, y, w, cols, ridge);
    const moved = next.reduce((m, b, k) => Math.max(m, Math.abs(b - beta[k]!)), 0);
    beta = next;
    for (let i = 0; i < rows; i++) {
      const r = y[i]! - dot(x, i, cols, beta);
      w[i] = (r >= 0 ? q : 1 - q) / Math.max(Math.abs(r), eps);
    }
    if (moved < 1e-9) break;
  }
  return beta;
}

/** Mean pinball loss of the fit (for reports and tests). */
export function pinballLoss(
  x: Float64Array,
  y: Float64Array,
  cols: number,
  q: number,
  beta: readonly number[],
): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const r = y[i]! - dot(x, i, cols, beta);
    s += r >= 0 ? q * r : (q - 1) * r;
  }
  return s / Math.max(1, y.length);
}

function dot(x: Float64Array, i: number, cols: number, beta: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < cols; k++) s += x[i * cols + k]! * beta[k]!;
  return s;
}

function weightedLeastSquares(x: Float64Array, y: Float64Array, w: Float64Array, cols: number, ridge: number) {
  const a = Array.from({ length: cols }, () => new Array<number>(cols).fill(0));
  const b = new Array<number>(cols).fill(0);
  let sumW = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w[i]!;
    sumW += wi;
    for (let r = 0; r < cols; r++) {
      const xr = x[i * cols + r]! * wi;
      b[r]! += xr * y[i]!;
      for (let c = r; c < cols; c++) a[r]![c]! += xr * x[i * cols + c]!;
    }
  }
  for (let r = 0; r < cols; r++) {
    for (let c = 0; c < r; c++) a[r]![c] = a[c]![r]!;
    if (r > 0) a[r]![r]! += ridge * sumW;
  }
  return solve(a, b);
}

/** Gaussian elimination with partial pivoting; a singular column gets coefficient 0. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const pivot = m[c]![c]!;
    if (Math.abs(pivot) < 1e-14) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / pivot;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => (Math.abs(row[i]!) < 1e-14 ? 0 : row[n]! / row[i]!));
}
