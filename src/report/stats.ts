/** Pure statistics for the risk report (floats: modelling and reporting only). */

/** A time series point; `t` is unix seconds. */
export interface Point {
  readonly t: number;
  readonly value: number;
}

/** Simple returns between consecutive points (skips non-positive bases). */
export function returns(series: readonly Point[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < series.length; i++) {
    const prev = series[i - 1]!.value;
    const cur = series[i]!.value;
    if (prev > 0 && Number.isFinite(cur)) out.push(cur / prev - 1);
  }
  return out;
}

/**
 * Historical VaR and CVaR (expected shortfall) of a return sample at confidence `alpha`, as positive
 * loss fractions; null when the sample is too small to say anything (fewer than 10 returns).
 */
export function historicalVarCvar(rets: readonly number[], alpha = 0.95): { var: number; cvar: number } | null {
  if (rets.length < 10) return null;
  const losses = rets.map((r) => -r).sort((a, b) => a - b);
  const idx = Math.min(losses.length - 1, Math.floor(alpha * losses.length));
  const v = losses[idx]!;
  const tail = losses.slice(idx);
  const cvar = tail.reduce((a, b) => a + b, 0) / tail.length;
  return { var: Math.max(0, v), cvar: Math.max(0, cvar) };
}

/** Drawdown series (fraction below the running peak, ≥ 0) and its maximum. */
export function drawdowns(series: readonly Point[]): { series: Point[]; max: number } {
  let peak = Number.NEGATIVE_INFINITY;
  let max = 0;
  const out: Point[] = [];
  for (const p of series) {
    peak = Math.max(peak, p.value);
    const dd = peak > 0 ? 1 - p.value / peak : 0;
    max = Math.max(max, dd);
    out.push({ t: p.t, value: dd });
  }
  return { series: out, max };
}

/** Impermanent loss (fraction, ≥ 0) of a 50/50 constant-product position when the price ratio moves by `r`. */
export function impermanentLoss(r: number): number {
  if (!(r > 0)) return 1;
  return 1 - (2 * Math.sqrt(r)) / (1 + r);
}

/**
 * IL exposure of a constant-product LP over a horizon from annualised price volatility (in %):
 * expected IL ≈ σ²T/8 (small-σ approximation), and the stressed IL at a 1.645σ move either way.
 */
export function ilExposure(priceVolPct: number, horizonDays: number): { expectedPct: number; stressPct: number } {
  const sigma = (priceVolPct / 100) * Math.sqrt(horizonDays / 365);
  const expected = (sigma * sigma) / 8;
  const stress = Math.max(impermanentLoss(Math.exp(1.645 * sigma)), impermanentLoss(Math.exp(-1.645 * sigma)));
  return { expectedPct: expected * 100, stressPct: stress * 100 };
}

/** Mean of the values, or null for an empty list. */
export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}
