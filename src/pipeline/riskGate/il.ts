/**
 * Impermanent loss of AMM positions. Prices are token0 in token1; IL is the LP value over the value of
 * holding the deposited amounts, minus 1 (≤ 0), fees excluded.
 */
import { historicalTail, normalPdf } from "./measures.ts";

/** Uniswap v2 (full range) IL for a price ratio r = p1 / p0: 2√r / (1 + r) − 1. */
export function ilV2(r: number): number {
  if (!(r > 0) || !Number.isFinite(r)) return -1;
  return (2 * Math.sqrt(r)) / (1 + r) - 1;
}

/** A concentrated-liquidity range in token0-in-token1 prices (lower may be 0, upper may be Infinity). */
export interface PriceRange {
  readonly lower: number;
  readonly upper: number;
}

/** Token amounts of one unit of liquidity at price p in range [pa, pb] (Uniswap v3 whitepaper 6.29-6.30). */
function amounts(p: number, range: PriceRange): { x: number; y: number } {
  const sa = Math.sqrt(range.lower);
  const sb = Math.sqrt(range.upper);
  const inv = (s: number) => (s === Infinity ? 0 : 1 / s);
  if (p <= range.lower) return { x: inv(sa) - inv(sb), y: 0 };
  if (p >= range.upper) return { x: 0, y: sb - sa };
  const sp = Math.sqrt(p);
  return { x: 1 / sp - inv(sb), y: sp - sa };
}

/**
 * Uniswap v3 IL of a position over [lower, upper] opened at price p0, at price p1. With lower = 0 and
 * upper = ∞ it equals the v2 formula; narrower ranges amplify it, and outside the range it stops growing.
 */
export function ilV3(p0: number, p1: number, range: PriceRange): number {
  if (!(p0 > 0 && p1 > 0) || !(range.lower < range.upper)) return -1;
  const a0 = amounts(p0, range);
  const a1 = amounts(p1, range);
  const hold = a0.x * p1 + a0.y;
  const lp = a1.x * p1 + a1.y;
  return hold > 0 ? lp / hold - 1 : 0;
}

/** Expected IL and its tail over a horizon. */
export interface IlOutlook {
  /** E[IL] over the horizon, fraction (≤ 0). */
  readonly expected: number;
  /** IL at the confidence level (the α-quantile of the loss), fraction (≤ 0). */
  readonly tail: number;
  /** −E[IL] annualised, in %: subtract it from the fee APR. */
  readonly expectedAprPct: number;
}

const GRID = 241;
const Z_MAX = 6;

/**
 * IL outlook when ln(p1/p0) ~ N(−σ²T/2, σ²T) with σ the annualised volatility of the pair's price and
 * T the horizon in years; computed on a fine grid of the normal (quadrature), so it is range-aware.
 * `range` is relative to p0 = 1 (omit it for full range).
 */
export function ilOutlook(
  volAnnualPct: number,
  horizonDays: number,
  confidence: number,
  range?: PriceRange,
): IlOutlook {
  const t = horizonDays / 365;
  const s = (volAnnualPct / 100) * Math.sqrt(t);
  if (!(s > 0) || !(t > 0)) return { expected: 0, tail: 0, expectedAprPct: 0 };
  const losses: number[] = [];
  const probs: number[] = [];
  let expected = 0;
  let mass = 0;
  for (let k = 0; k < GRID; k++) {
    const z = -Z_MAX + (2 * Z_MAX * k) / (GRID - 1);
    const w = normalPdf(z);
    const r = Math.exp(-0.5 * s * s + s * z);
    const il = range ? ilV3(1, r, range) : ilV2(r);
    losses.push(-il);
    probs.push(w);
    expected += w * il;
    mass += w;
  }
  expected /= mass;
  const tail = -historicalTail(losses, confidence, probs).var;
  return { expected, tail, expectedAprPct: (-expected / t) * 100 };
}
