/** The keel dataset format in memory (see docs/DESIGN.md › Historical data). Pure types and helpers. */

/** One row of pools.csv. */
export interface PoolInfo {
  readonly poolId: string;
  readonly protocol: string;
  readonly kind: "lending" | "lp" | "staking" | "vault";
  /** Underlying symbol, or `TOKEN0/TOKEN1` for an LP. */
  readonly asset: string;
  readonly chain: string;
  /** Fee tier in percent (0.3 = 0.30 %), null when the pool has none. */
  readonly feeTierPct: number | null;
}

/** One observation of a pool's rate; `t` in unix seconds. */
export interface RatePoint {
  readonly t: number;
  /** Simple annual rate in percent. */
  readonly aprPct: number;
  readonly tvlUsd: number;
  /** 0..1, null when the source has none. */
  readonly utilization: number | null;
}

/** One price observation; `t` in unix seconds. */
export interface PricePoint {
  readonly t: number;
  readonly priceUsd: number;
}

/** One exploit or hack. */
export interface Incident {
  readonly t: number;
  readonly protocol: string;
  readonly chain: string;
  readonly lossUsd: number;
  readonly technique: string;
}

/** A whole dataset: every series sorted by time, oldest first. */
export interface Dataset {
  readonly pools: PoolInfo[];
  /** Keyed by pool id. */
  readonly rates: Map<string, RatePoint[]>;
  /** Keyed by symbol (upper case); WETH/WBTC alias ETH/BTC when they have no rows of their own. */
  readonly prices: Map<string, PricePoint[]>;
  readonly gas: { t: number; gwei: number }[];
  readonly incidents: Incident[];
  /** Cleaning rule → rows dropped or changed by it. */
  readonly cleaning: Record<string, number>;
}

/**
 * Whether `p` is a forward-filled copy of `prev`: rate, TVL and utilisation all equal. The dataset reader
 * drops such rows (`rates.forward_filled`), while the live store keeps one point per hour whatever changed;
 * the forecasters' series helpers read both alike (time-weighted means, age since the last change).
 */
export function isForwardFilled(
  prev: { readonly aprPct: number; readonly tvlUsd?: number; readonly utilization?: number | null },
  p: { readonly aprPct: number; readonly tvlUsd?: number; readonly utilization?: number | null },
): boolean {
  return p.aprPct === prev.aprPct && p.tvlUsd === prev.tvlUsd && p.utilization === prev.utilization;
}

/**
 * Index of the last point with `t <= at` in a time-sorted series, or -1 when there is none.
 * Binary search: O(log n).
 */
export function indexAtOrBefore(series: readonly { readonly t: number }[], at: number): number {
  return lastIndexWhere(series, (t) => t <= at);
}

/** Index of the last point with `t < at` (strictly before), or -1 when there is none. */
export function indexBefore(series: readonly { readonly t: number }[], at: number): number {
  return lastIndexWhere(series, (t) => t < at);
}

function lastIndexWhere(series: readonly { readonly t: number }[], pred: (t: number) => boolean): number {
  let lo = 0;
  let hi = series.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (pred(series[mid]!.t)) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * The last point at or before `t`, or undefined when there is none or when it is older than
 * `maxAgeSeconds` (stale). The series must be sorted by time.
 */
export function asOf<P extends { readonly t: number }>(
  series: readonly P[],
  t: number,
  maxAgeSeconds: number,
): P | undefined {
  const i = indexAtOrBefore(series, t);
  if (i < 0) return undefined;
  const p = series[i]!;
  return t - p.t > maxAgeSeconds ? undefined : p;
}

/** The points with `from <= t < to` (half-open), as a new array. The series must be sorted by time. */
export function between<P extends { readonly t: number }>(series: readonly P[], from: number, to: number): P[] {
  const start = indexBefore(series, from) + 1;
  const end = indexBefore(series, to) + 1;
  return series.slice(start, end);
}

/**
 * Time-weighted mean of a step series over [from, to): each point's `aprPct` holds from its time until
 * the next point (the last one before `from` holds from `from`); 0 before the first point.
 */
export function timeWeightedMean(
  series: readonly { readonly t: number; readonly aprPct: number }[],
  from: number,
  to: number,
): number {
  if (to <= from) return 0;
  let i = indexAtOrBefore(series, from);
  let rate = i >= 0 ? series[i]!.aprPct : 0;
  let at = from;
  let area = 0;
  for (i += 1; i < series.length && series[i]!.t < to; i++) {
    const p = series[i]!;
    area += rate * (p.t - at);
    at = p.t;
    rate = p.aprPct;
  }
  area += rate * (to - at);
  return area / (to - from);
}
