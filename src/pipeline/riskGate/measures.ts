/**
 * Risk measures on loss distributions (losses positive, gains negative). Pure numerics: historical
 * (weighted discrete) and parametric (normal) VaR and CVaR in the Rockafellar-Uryasev form, entropic
 * VaR, and share-price drawdown.
 */
import { normalQuantile } from "../../domain/normal.ts";

/** VaR and CVaR at one confidence level. */
export interface TailRisk {
  readonly var: number;
  readonly cvar: number;
}

/** Standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/**
 * Historical VaR and CVaR of a discrete loss distribution (equally likely scenarios unless `probs` is
 * given; probabilities are normalised). VaR is the smallest loss ℓ with P(L ≤ ℓ) ≥ α, and
 * CVaR = VaR + E[(L − VaR)⁺] / (1 − α) — the Rockafellar-Uryasev minimiser, exact for atoms.
 */
export function historicalTail(losses: readonly number[], alpha: number, probs?: readonly number[]): TailRisk {
  const n = losses.length;
  if (n === 0) return { var: 0, cvar: 0 };
  const total = probs ? probs.reduce((a, p) => a + p, 0) : n;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => losses[i]! - losses[j]!);
  let cum = 0;
  let varLoss = losses[order[n - 1]!]!;
  for (const i of order) {
    cum += (probs ? probs[i]! : 1) / total;
    if (cum >= alpha - 1e-12) {
      varLoss = losses[i]!;
      break;
    }
  }
  let excess = 0;
  for (let i = 0; i < n; i++) {
    const l = losses[i]!;
    if (l > varLoss) excess += ((probs ? probs[i]! : 1) / total) * (l - varLoss);
  }
  return { var: varLoss, cvar: varLoss + excess / (1 - alpha) };
}

/** Parametric (normal) VaR and CVaR of losses with mean `mu` and standard deviation `sigma`. */
export function normalTail(mu: number, sigma: number, alpha: number): TailRisk {
  const z = normalQuantile(alpha);
  return { var: mu + sigma * z, cvar: mu + (sigma * normalPdf(z)) / (1 - alpha) };
}

/** Entropic VaR of normal losses: μ + σ √(−2 ln(1 − α)). */
export function normalEvar(mu: number, sigma: number, alpha: number): number {
  return mu + sigma * Math.sqrt(-2 * Math.log(1 - alpha));
}

/**
 * Entropic VaR of a discrete loss distribution: inf over t > 0 of t · ln(E[e^{L/t}] / (1 − α)), found by
 * golden-section search on ln t (the objective is convex in t). Bounded above by the largest loss.
 */
export function historicalEvar(losses: readonly number[], alpha: number, probs?: readonly number[]): number {
  const n = losses.length;
  if (n === 0) return 0;
  const total = probs ? probs.reduce((a, p) => a + p, 0) : n;
  let max = -Infinity;
  let min = Infinity;
  for (const l of losses) {
    if (l > max) max = l;
    if (l < min) min = l;
  }
  if (max - min < 1e-15) return max;
  const logTerm = Math.log(1 / (1 - alpha));
  const objective = (u: number): number => {
    const t = Math.exp(u);
    let s = 0;
    for (let i = 0; i < n; i++) s += ((probs ? probs[i]! : 1) / total) * Math.exp((losses[i]! - max) / t);
    return max + t * (Math.log(s) + logTerm);
  };
  const spread = max - min;
  let lo = Math.log(spread * 1e-6);
  let hi = Math.log(spread * 1e6);
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = objective(x1);
  let f2 = objective(x2);
  for (let k = 0; k < 100 && hi - lo > 1e-9; k++) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = objective(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = objective(x2);
    }
  }
  return Math.min(max, Math.min(f1, f2));
}

/** Mean and (population) standard deviation, optionally weighted. */
export function meanStd(values: readonly number[], probs?: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: 0, std: 0 };
  const total = probs ? probs.reduce((a, p) => a + p, 0) : n;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += ((probs ? probs[i]! : 1) / total) * values[i]!;
  let v = 0;
  for (let i = 0; i < n; i++) v += ((probs ? probs[i]! : 1) / total) * (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v) };
}

/** Drawdown of a value series: the current one (from the running peak) and the worst one, as fractions. */
export function drawdown(values: readonly number[]): { current: number; max: number } {
  let peak = -Infinity;
  let worst = 0;
  let current = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v > peak) peak = v;
    current = peak > 0 ? 1 - v / peak : 0;
    if (current > worst) worst = current;
  }
  return { current, max: worst };
}
