/** Pure helpers on irregular rate series: daily grids anchored at a decision time, windows, quantiles. */
import { indexAtOrBefore, indexBefore, isForwardFilled } from "../domain/dataset.ts";
import type { FeaturePoint } from "./features.ts";

/** Seconds in a day. */
export const DAY = 86_400;

/** A point of a rate series (SourcePoint and RatePoint both fit). */
export interface AprPoint {
  readonly t: number;
  readonly aprPct: number;
}

/**
 * Time-weighted means of a step series in `cells` consecutive cells of `cellSeconds` from `from`: each
 * point's value (`value(p)`, default its rate) holds from its time until the next point. Cell k is
 * [from + k·cellSeconds, from + (k + 1)·cellSeconds); a cell before the first point is NaN, a cell the
 * first point starts inside is averaged over the part after it. Forward-filled copies (a point equal to
 * the one before) therefore change nothing: the live store's repeated hours and the dataset reader's
 * dropped ones give the same means.
 */
export function timeWeightedCells<P extends AprPoint>(
  points: readonly P[],
  from: number,
  cellSeconds: number,
  cells: number,
  value: (p: P) => number = (p) => p.aprPct,
): Float64Array {
  const out = new Float64Array(cells).fill(Number.NaN);
  let i = indexAtOrBefore(points, from);
  let rate = i >= 0 ? value(points[i]!) : Number.NaN;
  for (let k = 0; k < cells; k++) {
    const a = from + k * cellSeconds;
    const b = a + cellSeconds;
    let at = a;
    let area = 0;
    let covered = 0;
    for (; i + 1 < points.length && points[i + 1]!.t < b; i++) {
      const p = points[i + 1]!;
      if (Number.isFinite(rate)) {
        area += rate * (p.t - at);
        covered += p.t - at;
      }
      at = Math.max(a, p.t);
      rate = value(p);
    }
    if (Number.isFinite(rate)) {
      area += rate * (b - at);
      covered += b - at;
    }
    if (covered > 0) out[k] = area / covered;
  }
  return out;
}

/**
 * Daily means of `aprPct` on a grid anchored at `asOf`, time-weighted (`timeWeightedCells`): element k
 * (0 = oldest) covers [asOf − (days − k)·DAY, asOf − (days − k − 1)·DAY). Only points strictly before
 * `asOf` are used; a day without points holds the last rate; days before the first point are NaN.
 */
export function dailyMeans(points: readonly AprPoint[], asOf: number, days: number): number[] {
  const end = indexBefore(points, asOf);
  return Array.from(timeWeightedCells(points.slice(0, end + 1), asOf - days * DAY, DAY, days));
}

/** The last observed rate strictly before `at`, or undefined. */
export function lastBefore(points: readonly AprPoint[], at: number): AprPoint | undefined {
  const i = indexBefore(points, at);
  return i < 0 ? undefined : points[i];
}

/**
 * Time-weighted mean APR over [t, t + horizonSeconds) (the rate in force at t holds until the next
 * point) when the window is covered near both ends — a point that is not a forward-filled copy within
 * 2 days of its start and of its end — else undefined, so a source that stops reporting is not scored.
 */
export function coveredMean(points: readonly FeaturePoint[], t: number, horizonSeconds: number): number | undefined {
  const end = t + horizonSeconds;
  const i0 = indexBefore(points, t) + 1;
  const i1 = indexBefore(points, end);
  let first: number | undefined;
  let last: number | undefined;
  for (let i = i0; i <= i1; i++) {
    const p = points[i]!;
    if (i > 0 && isForwardFilled(points[i - 1]!, p)) continue;
    first ??= p.t;
    last = p.t;
  }
  if (first === undefined || last === undefined) return undefined;
  if (first > t + 2 * DAY || last < end - 2 * DAY) return undefined;
  return timeWeightedCells(points, t, horizonSeconds, 1)[0];
}

/** Linear-interpolated quantile of an unsorted sample (q in 0..1); NaN for an empty sample. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Mean of the finite values; NaN when there is none. */
export function mean(values: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n === 0 ? Number.NaN : s / n;
}

/** Population standard deviation of the finite values; 0 when fewer than two. */
export function std(values: readonly number[]): number {
  const m = mean(values);
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      s += (v - m) ** 2;
      n++;
    }
  }
  return n < 2 ? 0 : Math.sqrt(s / n);
}

/** Exponential moving average over a series (NaNs skipped), with `alpha` = 2 / (span + 1). */
export function ema(values: readonly number[], span: number): number {
  const alpha = 2 / (span + 1);
  let e = Number.NaN;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    e = Number.isFinite(e) ? alpha * v + (1 - alpha) * e : v;
  }
  return e;
}
