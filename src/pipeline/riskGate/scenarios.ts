/**
 * Joint historical scenarios of per-source returns over the horizon: for each scenario end time t_k
 * (stepping back from `asOf`), a source returns its mean APR over [t_k − H, t_k] plus the move of its
 * token prices against the base asset (non-base assets), and for LPs the price move net of impermanent
 * loss. Scenarios are joint across sources (same dates), so correlation is kept.
 */
import { indexAtOrBefore } from "../../domain/dataset.ts";
import type { HistoryWindow, SourcePoint, SourceState } from "../../domain/snapshot.ts";
import { ilV2, ilV3, type PriceRange } from "./il.ts";
import { tokensOf } from "./prices.ts";

type Series = readonly { t: number; priceUsd: number }[];

/** Price at or before `time` when not older than `maxAge`, else undefined. */
export function priceAt(series: Series | undefined, time: number, maxAge: number): number | undefined {
  if (!series || series.length === 0) return undefined;
  const i = indexAtOrBefore(series, time);
  if (i < 0) return undefined;
  const p = series[i]!;
  return time - p.t <= maxAge && p.priceUsd > 0 ? p.priceUsd : undefined;
}

/** Index of the last element ≤ time in a sorted Float64Array, or −1. */
function lastAtOrBeforeTimes(times: Float64Array, time: number): number {
  let lo = 0;
  let hi = times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= time) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Mean APR over (a, b] from rate points, via prefix sums; the last point at or before b when none fall inside. */
class AprIndex {
  private readonly times: Float64Array;
  private readonly aprs: Float64Array;
  private readonly prefix: Float64Array;

  constructor(points: readonly SourcePoint[]) {
    const n = points.length;
    this.times = new Float64Array(n);
    this.aprs = new Float64Array(n);
    this.prefix = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const p = points[i]!;
      this.times[i] = p.t;
      this.aprs[i] = p.aprPct;
      this.prefix[i + 1] = this.prefix[i]! + p.aprPct;
    }
  }

  meanApr(a: number, b: number): number | undefined {
    const hi = lastAtOrBeforeTimes(this.times, b);
    if (hi < 0) return undefined;
    const lo = lastAtOrBeforeTimes(this.times, a);
    const count = hi - lo;
    if (count <= 0) return this.aprs[hi]!;
    return (this.prefix[hi + 1]! - this.prefix[lo + 1]!) / count;
  }
}

/** Inputs to the scenario builder. */
export interface ScenarioSpec {
  readonly sources: readonly SourceState[];
  readonly history: HistoryWindow;
  readonly baseSymbol: string;
  readonly horizonDays: number;
  readonly stepSeconds: number;
  readonly priceAliases: Readonly<Record<string, string>>;
  /** Forecast P50 APR per source, used when a source has no rate history. */
  readonly fallbackAprPct: Readonly<Record<string, number>>;
  /** Relative v3 range per LP source (p0 = 1); full range when absent. */
  readonly lpRanges: Readonly<Record<string, PriceRange>>;
}

/** Joint scenarios: `returns[k][i]` is the horizon return (fraction) of source i in scenario k. */
export interface Scenarios {
  readonly times: readonly number[];
  readonly returns: readonly Float64Array[];
}

/** Builds the joint historical scenarios (at most `maxScenarios`, newest first). */
export function buildScenarios(spec: ScenarioSpec, maxScenarios = 2_000): Scenarios {
  const { history, sources } = spec;
  const h = spec.horizonDays * 86_400;
  const years = spec.horizonDays / 365;
  const series = (symbol: string): Series | undefined =>
    history.prices[symbol] ?? history.prices[spec.priceAliases[symbol] ?? ""] ?? undefined;
  const base = spec.baseSymbol.toUpperCase();
  const baseSeries = series(base);
  const maxAge = Math.max(h, 2 * spec.stepSeconds, 2 * 86_400);

  let earliest = Infinity;
  for (const s of sources) {
    const pts = history.sources[s.id];
    if (pts && pts.length > 0) earliest = Math.min(earliest, pts[0]!.t);
    for (const tok of tokensOf(s.asset)) {
      const ser = tok === base ? undefined : series(tok);
      if (ser && ser.length > 0) earliest = Math.min(earliest, ser[0]!.t);
    }
  }
  if (!Number.isFinite(earliest)) return { times: [], returns: [] };

  const indexes = sources.map((s) => {
    const pts = history.sources[s.id];
    return pts && pts.length > 0 ? new AprIndex(pts) : undefined;
  });
  const tokenLists = sources.map((s) => tokensOf(s.asset));

  // Scenario end times, newest first.
  const times: number[] = [];
  for (let end = history.asOf; end - h >= earliest && times.length < maxScenarios; end -= spec.stepSeconds)
    times.push(end);

  // Moves of each distinct token against the base asset, once per scenario (1 for the base or when unknown).
  const baseMoves = times.map((end) => relMove(baseSeries, end - h, end, maxAge) ?? 1);
  const moveCache = new Map<string, Float64Array>();
  const movesOf = (tok: string): Float64Array => {
    const hit = moveCache.get(tok);
    if (hit) return hit;
    const ser = tok === base ? undefined : series(tok);
    const arr = new Float64Array(times.length).fill(1);
    if (ser && ser.length > 0) {
      for (let k = 0; k < times.length; k++) {
        const end = times[k]!;
        arr[k] = (relMove(ser, end - h, end, maxAge) ?? baseMoves[k]!) / baseMoves[k]!;
      }
    }
    moveCache.set(tok, arr);
    return arr;
  };
  const tokenMoves = tokenLists.map((toks) => toks.map(movesOf));

  const returns: Float64Array[] = [];
  for (let k = 0; k < times.length; k++) {
    const end = times[k]!;
    const start = end - h;
    const row = new Float64Array(sources.length);
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]!;
      const apr = indexes[i]?.meanApr(start, end) ?? spec.fallbackAprPct[s.id] ?? 0;
      const yieldReturn = (apr / 100) * years;
      const moves = tokenMoves[i]!;
      let priceReturn = 0;
      if (s.kind === "lp" && moves.length === 2) {
        const m0 = moves[0]![k]!;
        const m1 = moves[1]![k]!;
        const hold = (m0 + m1) / 2;
        const range = spec.lpRanges[s.id];
        const il = range ? ilV3(1, m0 / m1, range) : ilV2(m0 / m1);
        priceReturn = hold * (1 + il) - 1;
      } else if (moves.length >= 1) {
        priceReturn = moves[0]![k]! - 1;
      }
      row[i] = (1 + priceReturn) * (1 + yieldReturn) - 1;
    }
    returns.push(row);
  }
  return { times, returns };
}

function relMove(series: Series | undefined, start: number, end: number, maxAge: number): number | undefined {
  const a = priceAt(series, start, maxAge);
  const b = priceAt(series, end, maxAge);
  return a !== undefined && b !== undefined ? b / a : undefined;
}

/** Realised annualised volatility (%) of a price ratio sampled every `stepSeconds` over the history. */
export function realisedVolPct(
  num: Series | undefined,
  den: Series | undefined,
  asOf: number,
  stepSeconds: number,
  maxPoints = 400,
): number | undefined {
  if (!num || num.length === 0) return undefined;
  const rets: number[] = [];
  let prev: number | undefined;
  for (let k = 0, t = asOf; k < maxPoints; k++, t -= stepSeconds) {
    const a = priceAt(num, t, 2 * stepSeconds);
    const b = den ? priceAt(den, t, 2 * stepSeconds) : 1;
    if (a === undefined || b === undefined) break;
    const v = a / b;
    if (prev !== undefined) rets.push(Math.log(prev / v));
    prev = v;
  }
  if (rets.length < 5) return undefined;
  const mean = rets.reduce((x, y) => x + y, 0) / rets.length;
  const variance = rets.reduce((x, y) => x + (y - mean) ** 2, 0) / (rets.length - 1);
  return Math.sqrt(variance * ((365 * 86_400) / stepSeconds)) * 100;
}
