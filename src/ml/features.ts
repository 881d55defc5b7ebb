/**
 * Model features, per source and daily step, computed only from data strictly before each step's
 * time (no look-ahead). The grid is anchored at the decision time: step j of a table anchored at
 * `anchor` with `n` steps sits at `anchor − (n − 1 − j)·DAY`, and its "cell" is the day before it.
 * Training (anchors at 00:00 UTC) and serving (anchor = snapshot time) use this same code.
 */
import { indexBefore, isForwardFilled } from "../domain/dataset.ts";
import { DAY, timeWeightedCells } from "./series.ts";

/** A rate observation with the optional fields the features use. */
export interface FeaturePoint {
  readonly t: number;
  readonly aprPct: number;
  readonly tvlUsd?: number;
  readonly utilization?: number | null;
}

/** What the features know about a source besides its rates. */
export interface FeatureSource {
  readonly kind: string;
  readonly asset: string;
}

/** Feature names, in model input order. */
export const FEATURES = [
  "log_rate",
  "mean1d_minus_rate",
  "mean7d_minus_rate",
  "mean30d_minus_rate",
  "vol7d",
  "vol30d",
  "ema3_minus_ema14",
  "momentum7d",
  "utilization",
  "has_utilization",
  "tvl_change7d",
  "log_tvl",
  "price_vol7d",
  "price_return7d",
  "is_lp",
  "age_days",
] as const;

/** Extra day cells a table needs before its first step (longest rolling window + EMA memory). */
export const WARMUP_CELLS = 60;
const EMA_MEMORY = 45;

/**
 * The price series a source's price features use: BTC for pools with WBTC but no WETH, ETH for
 * everything else (a market-activity signal that exists over the whole dataset).
 */
export function priceSymbolFor(src: FeatureSource): string {
  const tokens = src.asset.toUpperCase().split("/");
  return tokens.includes("WBTC") && !tokens.includes("WETH") ? "BTC" : "ETH";
}

/**
 * Features at `n` daily steps ending at `anchor` (row-major Float32Array of n × FEATURES.length),
 * plus each step's current rate (last observation before it; NaN when there is none).
 */
export function featureTable(
  points: readonly FeaturePoint[],
  prices: readonly { t: number; priceUsd: number }[],
  src: FeatureSource,
  anchor: number,
  n: number,
): { x: Float32Array; current: Float64Array } {
  const cells = n + WARMUP_CELLS;
  const first = anchor - (cells - 1) * DAY;
  // Per cell j (grid time g_j = first + j·DAY, cell = [g_j − DAY, g_j)). Rates are time-weighted and the
  // age counts from the last change, so forward-filled hours (kept live, dropped by the dataset reader)
  // give the same features.
  const meanLog = timeWeightedCells(points, first - DAY, DAY, cells, (p) => Math.max(0, p.aprPct)).map(Math.log1p);
  const lastRate = new Float64Array(cells).fill(Number.NaN);
  const lastT = new Float64Array(cells).fill(Number.NaN);
  const tvl = new Float64Array(cells).fill(Number.NaN);
  const util = new Float64Array(cells).fill(Number.NaN);
  const price = new Float64Array(cells).fill(Number.NaN);

  let i = indexBefore(points, first - DAY) + 1;
  const prev = points[i - 1];
  let carryRate = prev ? prev.aprPct : Number.NaN;
  let carryT = prev ? changedAt(points, i - 1) : Number.NaN;
  let carryTvl = prev?.tvlUsd ?? Number.NaN;
  let carryUtil = prev?.utilization ?? Number.NaN;
  let pi = indexBefore(prices, first - DAY) + 1;
  let carryPrice = prices[pi - 1]?.priceUsd ?? Number.NaN;
  for (let j = 0; j < cells; j++) {
    const g = first + j * DAY;
    for (; i < points.length && points[i]!.t < g; i++) {
      const p = points[i]!;
      carryRate = p.aprPct;
      if (i === 0 || !isForwardFilled(points[i - 1]!, p)) carryT = p.t;
      if (p.tvlUsd !== undefined) carryTvl = p.tvlUsd;
      if (p.utilization !== undefined && p.utilization !== null) carryUtil = p.utilization;
    }
    for (; pi < prices.length && prices[pi]!.t < g; pi++) carryPrice = prices[pi]!.priceUsd;
    lastRate[j] = carryRate;
    lastT[j] = carryT;
    tvl[j] = carryTvl;
    util[j] = carryUtil;
    price[j] = carryPrice;
  }

  const F = FEATURES.length;
  const x = new Float32Array(n * F);
  const current = new Float64Array(n);
  const isLp = src.kind === "lp" ? 1 : 0;
  for (let s = 0; s < n; s++) {
    const j = s + WARMUP_CELLS;
    const g = first + j * DAY;
    const cur = Math.log1p(Math.max(0, lastRate[j]!));
    current[s] = lastRate[j]!;
    const row = [
      cur,
      meanLog[j]! - cur,
      Math.log1p(meanOf(meanLog, j - 6, j, Math.expm1)) - cur,
      Math.log1p(meanOf(meanLog, j - 29, j, Math.expm1)) - cur,
      stdOf(meanLog, j - 6, j),
      stdOf(meanLog, j - 29, j),
      emaAt(meanLog, j, 3) - emaAt(meanLog, j, 14),
      meanLog[j]! - meanLog[j - 7]!,
      Number.isFinite(util[j]!) ? util[j]! : 0,
      Number.isFinite(util[j]!) ? 1 : 0,
      clip(Math.log(tvl[j]! / tvl[j - 7]!), 3),
      Number.isFinite(tvl[j]!) && tvl[j]! > 0 ? Math.log10(tvl[j]!) : 0,
      logReturnStd(price, j - 7, j) * Math.sqrt(365),
      clip(Math.log(price[j]! / price[j - 7]!), 3),
      isLp,
      // Days since the rate (or TVL or utilisation) last changed.
      Number.isFinite(lastT[j]!) ? Math.min(10, (g - lastT[j]!) / DAY) : 10,
    ];
    for (let f = 0; f < F; f++) {
      const v = row[f]!;
      x[s * F + f] = Number.isFinite(v) ? v : 0;
    }
  }
  return { x, current };
}

/** Time of the last change at or before index i: the first of the forward-filled copies ending at i. */
function changedAt(points: readonly FeaturePoint[], i: number): number {
  let k = i;
  while (k > 0 && isForwardFilled(points[k - 1]!, points[k]!)) k--;
  return points[k]!.t;
}

function clip(v: number, bound: number): number {
  return Number.isFinite(v) ? Math.max(-bound, Math.min(bound, v)) : 0;
}

function meanOf(a: Float64Array, from: number, to: number, map: (v: number) => number): number {
  let s = 0;
  let c = 0;
  for (let k = Math.max(0, from); k <= to; k++) {
    const v = a[k]!;
    if (Number.isFinite(v)) {
      s += map(v);
      c++;
    }
  }
  return c === 0 ? Number.NaN : s / c;
}

function stdOf(a: Float64Array, from: number, to: number): number {
  const m = meanOf(a, from, to, (v) => v);
  let s = 0;
  let c = 0;
  for (let k = Math.max(0, from); k <= to; k++) {
    const v = a[k]!;
    if (Number.isFinite(v)) {
      s += (v - m) ** 2;
      c++;
    }
  }
  return c < 2 ? 0 : Math.sqrt(s / c);
}

/** EMA over a fixed trailing window of cells, so a table's start never changes a value. */
function emaAt(a: Float64Array, j: number, span: number): number {
  const alpha = 2 / (span + 1);
  let e = Number.NaN;
  for (let k = Math.max(0, j - EMA_MEMORY + 1); k <= j; k++) {
    const v = a[k]!;
    if (!Number.isFinite(v)) continue;
    e = Number.isFinite(e) ? alpha * v + (1 - alpha) * e : v;
  }
  return e;
}

function logReturnStd(p: Float64Array, from: number, to: number): number {
  const r: number[] = [];
  for (let k = Math.max(1, from + 1); k <= to; k++) {
    const v = Math.log(p[k]! / p[k - 1]!);
    if (Number.isFinite(v)) r.push(v);
  }
  if (r.length < 2) return 0;
  const m = r.reduce((a, b) => a + b, 0) / r.length;
  return Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / r.length);
}
