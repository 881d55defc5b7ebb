/**
 * Rolling conformalised quantile regression, one tail at a time (asymmetric CQR): for a source and its
 * served forecaster, the scores are the realised means' distances from the P10 and from the P90 that
 * were forecast for them, in log1p space (a rate level change then moves a band in proportion). Over
 * the last N realised horizons, the P10 moves by the tail's lower order statistic of its scores and the
 * P90 by the upper one, so each tail holds `tail` (10 %) of outcomes when the recent past is like the
 * near future. Too few realised horizons: no change.
 */
import type { Scored } from "../../ml/skillScores.ts";

/** The shifts to apply, and how many realised horizons they rest on. */
export interface Calibration {
  readonly scored: number;
  /** Added to log1p(P10) and log1p(P90). */
  readonly p10Shift: number;
  readonly p90Shift: number;
}

/** No calibration. */
export const NO_CALIBRATION: Calibration = { scored: 0, p10Shift: 0, p90Shift: 0 };

const lg = (v: number) => Math.log1p(Math.max(0, v));

/**
 * The shifts from past scored forecasts (oldest first; at most the last `window` are used): the
 * ⌊tail·(n+1)⌋-th smallest lower score and the ⌈(1−tail)·(n+1)⌉-th smallest upper score (split
 * conformal's finite-sample ranks).
 */
export function calibrationFrom(
  past: readonly Scored[],
  o: { readonly tail: number; readonly minScored: number; readonly window?: number },
): Calibration {
  const rows = o.window === undefined ? past : past.slice(-o.window);
  const n = rows.length;
  if (n < o.minScored || n === 0) return { ...NO_CALIBRATION, scored: n };
  const lower = rows.map((r) => lg(r.actual) - lg(r.p10)).sort((a, b) => a - b);
  const upper = rows.map((r) => lg(r.actual) - lg(r.p90)).sort((a, b) => a - b);
  const kLo = Math.min(n, Math.max(1, Math.floor(o.tail * (n + 1))));
  const kHi = Math.min(n, Math.max(1, Math.ceil((1 - o.tail) * (n + 1))));
  return { scored: n, p10Shift: lower[kLo - 1]!, p90Shift: upper[kHi - 1]! };
}

/** The band with the shifts applied, kept ordered (P10 ≤ P50 ≤ P90) and non-negative. */
export function calibrate<F extends { p10: number; p50: number; p90: number }>(f: F, c: Calibration): F {
  if (c.p10Shift === 0 && c.p90Shift === 0) return f;
  const p10 = Math.max(0, Math.expm1(lg(f.p10) + c.p10Shift));
  const p90 = Math.max(0, Math.expm1(lg(f.p90) + c.p90Shift));
  return { ...f, p10: Math.min(p10, f.p50), p90: Math.max(p90, f.p50) };
}
