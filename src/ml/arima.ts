/**
 * ARIMA(p,1,0) fitted by least squares on the differenced series (no drift term), with the AR
 * coefficients shrunk until the model is stationary. Pure TypeScript: deterministic, no I/O (the
 * `arima` npm package prints fit warnings on stdout, which would break `--json`).
 */

/** Solves the p × p system A·x = b by Gaussian elimination with partial pivoting (ridge added). */
function solve(a: number[][], b: number[], ridge: number): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row.map((v, j) => (i === j ? v + ridge : v)), b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    if (Math.abs(m[piv]![c]!) < 1e-12) return undefined;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/** Fits ARIMA(p,1,0) to `ts` and returns the mean of the next `steps` predicted levels, or undefined. */
export function arimaMeanForecast(ts: readonly number[], steps: number, p = 2): number | undefined {
  if (ts.length < p + 10) return undefined;
  const d = ts.slice(1).map((v, i) => v - ts[i]!);
  const ata = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const atb = new Array<number>(p).fill(0);
  let scale = 0;
  for (let t = p; t < d.length; t++) {
    for (let i = 0; i < p; i++) {
      atb[i]! += d[t - 1 - i]! * d[t]!;
      for (let j = 0; j < p; j++) ata[i]![j]! += d[t - 1 - i]! * d[t - 1 - j]!;
    }
    scale += d[t]! ** 2;
  }
  let phi = solve(ata, atb, 1e-6 * (scale + 1e-12));
  if (!phi) return undefined;
  // Shrink towards a random walk until the AR part is stationary (sum of |phi| < 1 suffices).
  const sumAbs = phi.reduce((s, v) => s + Math.abs(v), 0);
  if (sumAbs >= 0.98) phi = phi.map((v) => (v * 0.98) / sumAbs);
  const hist = d.slice(-p);
  let level = ts[ts.length - 1]!;
  let sum = 0;
  for (let s = 0; s < steps; s++) {
    let next = 0;
    for (let i = 0; i < p; i++) next += phi[i]! * (hist[hist.length - 1 - i] ?? 0);
    hist.push(next);
    level += next;
    sum += level;
  }
  const m = sum / steps;
  return Number.isFinite(m) ? m : undefined;
}
