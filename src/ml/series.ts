/** Pure helpers on irregular rate series: daily grids anchored at a decision time, windows, quantiles. */
import { between, indexBefore } from "../domain/dataset.ts";

/** Seconds in a day. */
export const DAY = 86_400;

/** A point of a rate series (SourcePoint and RatePoint both fit). */
export interface AprPoint {
  readonly t: number;
  readonly aprPct: number;
}

/**
 * Daily means of `aprPct` on a grid anchored at `asOf`: element k (0 = oldest) covers
 * [asOf − (days − k)·DAY, asOf − (days − k − 1)·DAY). Only points strictly before `asOf` are used.
 * Empty days carry the previous day's value forward; days before the first point are NaN.
 */
export function dailyMeans(points: readonly AprPoint[], asOf: number, days: number): number[] {
  const out = new Array<number>(days).fill(Number.NaN);
  const from = asOf - days * DAY;
  let i = indexBefore(points, from) + 1;
  const end = indexBefore(points, asOf);
  const sums = new Array<number>(days).fill(0);
  const counts = new Array<number>(days).fill(0);
  for (; i <= end; i++) {
    const p = points[i]!;
    const k = Math.floor((p.t - from) / DAY);
    if (k >= 0 && k < days) {
      sums[k]! += p.aprPct;
      counts[k]!++;
    }
  }
  let last = Number.NaN;
  for (let k = 0; k < days; k++) {
    if (counts[k]! > 0) last = sums[k]! / counts[k]!;
    out[k] = last;
  }
  return out;
}

/** The last observed rate strictly before `at`, or undefined. */
export function lastBefore(points: readonly AprPoint[], at: number): AprPoint | undefined {
  const i = indexBefore(points, at);
  return i < 0 ? undefined : points[i];
}

/** Mean APR over [t, t + horizonSeconds), or undefined when no point falls in it. */
export function realizedMean(points: readonly AprPoint[], t: number, horizonSeconds: number): number | undefined {
  const w = between(points, t, t + horizonSeconds);
  if (w.length === 0) return undefined;
  let s = 0;
  for (const p of w) s += p.aprPct;
  return s / w.length;
}

/**
 * Mean APR over [t, t + horizonSeconds) when the window is covered near both ends (a point within
 * 2 days of its start and of its end); undefined otherwise, so a source that stops reporting is not scored.
 */
export function coveredMean(points: readonly AprPoint[], t: number, horizonSeconds: number): number | undefined {
  const w = between(points, t, t + horizonSeconds);
  if (w.length === 0) return undefined;
  if (w[0]!.t > t + 2 * DAY || w[w.length - 1]!.t < t + horizonSeconds - 2 * DAY) return undefined;
  let s = 0;
  for (const p of w) s += p.aprPct;
  return s / w.length;
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
