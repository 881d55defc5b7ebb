/**
 * Moving-block bootstrap (Künsch 1989) of a ratio of sums over a time series: consecutive blocks of
 * `blockLength` steps are drawn with replacement and laid end to end until the series' length is
 * reached, so the serial dependence inside a block (7-day horizons overlap from one daily origin to the
 * next) survives the resampling; the percentile interval of the replicated ratios is returned.
 */
import { seededRandom } from "../domain/random.ts";

/** Options of the bootstrap. */
export interface BootstrapOptions {
  /** Steps per block (≥ 1; capped at the series' length). */
  readonly blockLength: number;
  readonly replicates: number;
  readonly seed: number;
  /** Two-sided confidence level (default 0.95). */
  readonly level?: number;
}

/** A point estimate with its interval. */
export interface Interval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/**
 * Σ num / Σ den with its moving-block bootstrap interval. `num[i]` and `den[i]` belong to step i (e.g. the
 * forecaster's and persistence's absolute errors summed over the sources scored at origin i); a step
 * with nothing scored is 0 in both. NaN when Σ den is 0.
 */
export function blockBootstrapRatio(num: readonly number[], den: readonly number[], o: BootstrapOptions): Interval {
  const n = num.length;
  const value = ratio(num, den, 0, n);
  if (n === 0 || !Number.isFinite(value)) return { value, low: Number.NaN, high: Number.NaN };
  const L = Math.max(1, Math.min(n, Math.round(o.blockLength)));
  // Prefix sums make a block's sum O(1).
  const cn = prefix(num);
  const cd = prefix(den);
  const random = seededRandom(o.seed);
  const starts = n - L + 1;
  const reps: number[] = [];
  for (let b = 0; b < o.replicates; b++) {
    let sn = 0;
    let sd = 0;
    for (let filled = 0; filled < n; filled += L) {
      const s = Math.floor(random() * starts);
      const len = Math.min(L, n - filled);
      sn += cn[s + len]! - cn[s]!;
      sd += cd[s + len]! - cd[s]!;
    }
    if (sd > 0) reps.push(sn / sd);
  }
  reps.sort((a, b) => a - b);
  const alpha = (1 - (o.level ?? 0.95)) / 2;
  return { value, low: pick(reps, alpha), high: pick(reps, 1 - alpha) };
}

function ratio(num: readonly number[], den: readonly number[], from: number, to: number): number {
  let a = 0;
  let b = 0;
  for (let i = from; i < to; i++) {
    a += num[i]!;
    b += den[i]!;
  }
  return b > 0 ? a / b : Number.NaN;
}

function prefix(v: readonly number[]): Float64Array {
  const out = new Float64Array(v.length + 1);
  for (let i = 0; i < v.length; i++) out[i + 1] = out[i]! + v[i]!;
  return out;
}

function pick(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
