/**
 * ARIMA(1,1,1) on a short series, fitted by conditional sum of squares (CSS) over a grid of
 * stationary, invertible (φ, θ) with one refinement pass; no drift term. Pure TypeScript and
 * deterministic (the `arima` npm package prints fit warnings on stdout, which would break `--json`).
 */

/** Sum of squared one-step errors of ARIMA(1,1,1) with (phi, theta) on the differences `d`. */
function css(d: readonly number[], phi: number, theta: number): number {
  let e = 0;
  let sse = 0;
  for (let t = 1; t < d.length; t++) {
    e = d[t]! - phi * d[t - 1]! - theta * e;
    sse += e * e;
  }
  return sse;
}

/** The CSS-best (phi, theta) in (−0.95, 0.95)², searched on a grid then refined around the best point. */
export function fitArima111(d: readonly number[]): { phi: number; theta: number } {
  let best = { phi: 0, theta: 0, sse: css(d, 0, 0) };
  const search = (centerPhi: number, centerTheta: number, step: number, n: number) => {
    for (let i = -n; i <= n; i++) {
      for (let j = -n; j <= n; j++) {
        const phi = centerPhi + i * step;
        const theta = centerTheta + j * step;
        if (Math.abs(phi) > 0.95 || Math.abs(theta) > 0.95) continue;
        const sse = css(d, phi, theta);
        if (sse < best.sse) best = { phi, theta, sse };
      }
    }
  };
  search(0, 0, 0.15, 6);
  search(best.phi, best.theta, 0.03, 4);
  return { phi: best.phi, theta: best.theta };
}

/** Fits ARIMA(1,1,1) to `ts` and returns the mean of the next `steps` predicted levels, or undefined. */
export function arimaMeanForecast(ts: readonly number[], steps: number): number | undefined {
  if (ts.length < 12) return undefined;
  const d = ts.slice(1).map((v, i) => v - ts[i]!);
  const { phi, theta } = fitArima111(d);
  let e = 0;
  for (let t = 1; t < d.length; t++) e = d[t]! - phi * d[t - 1]! - theta * e;
  let next = phi * d[d.length - 1]! + theta * e;
  let level = ts[ts.length - 1]!;
  let sum = 0;
  for (let s = 0; s < steps; s++) {
    level += next;
    sum += level;
    next *= phi;
  }
  const m = sum / steps;
  return Number.isFinite(m) ? m : undefined;
}
