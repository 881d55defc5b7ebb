/**
 * Who serves a source. The kind's prior order (measured walk-forward, models/README.md) names the
 * reference: the first forecaster in it that forecasts the source now. Another forecaster takes the
 * source over only when it is significantly better on that source's own realised horizons — a one-sided
 * Diebold–Mariano test on the paired absolute errors, with a HAC (Newey–West) variance because 7-day
 * horizons from consecutive daily origins overlap — and keeps it while it stays better at half that z.
 * Picking the lowest rolling MAE without a test chases noise: a per-source winner of 56 noisy days is
 * often worse out of sample than the kind's best. One source's choice never moves another's.
 */
import type { ScoredEntry } from "./ledger.ts";

/** Options of the choice. */
export interface SelectOptions {
  /** Paired realised horizons needed before a challenger can be judged on a source. */
  readonly minScored: number;
  /** One-sided confidence a challenger must beat the reference with (0.95 → z ≤ −1.645). */
  readonly confidence: number;
}

/** The choice for one source. */
export interface Choice {
  readonly name: string;
  /** `SKILL`: a challenger significantly better on this source; `PRIOR`: the kind's reference. */
  readonly by: "SKILL" | "PRIOR";
  readonly message: string;
}

/** Diebold–Mariano statistic of paired loss differences (negative: the challenger's losses are lower). */
export function dieboldMariano(diffs: readonly number[], lag: number): number {
  const n = diffs.length;
  if (n < 2) return 0;
  const mean = diffs.reduce((a, b) => a + b, 0) / n;
  const autocov = (l: number) => {
    let s = 0;
    for (let i = l; i < n; i++) s += (diffs[i]! - mean) * (diffs[i - l]! - mean);
    return s / n;
  };
  let v = autocov(0);
  for (let l = 1; l <= Math.min(lag, n - 1); l++) v += 2 * (1 - l / (lag + 1)) * autocov(l);
  if (v <= 1e-18) return mean < 0 ? Number.NEGATIVE_INFINITY : mean > 0 ? Number.POSITIVE_INFINITY : 0;
  return mean / Math.sqrt(v / n);
}

/** The standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Chooses among `available` (forecasters with a forecast of the source now) from their scored entries
 * on the source; `prior` is the kind's order, `incumbent` who served the source last; `lag` the HAC lag
 * (horizon days − 1).
 */
export function chooseForecaster(args: {
  readonly available: readonly string[];
  readonly scored: Readonly<Record<string, readonly ScoredEntry[]>>;
  readonly prior: readonly string[];
  readonly incumbent?: string | undefined;
  readonly lag: number;
  readonly o: SelectOptions;
}): Choice {
  const { available, o } = args;
  const reference = args.prior.find((p) => available.includes(p)) ?? available[0]!;
  const refErr = new Map((args.scored[reference] ?? []).map((e) => [e.t, Math.abs(e.p50 - e.actual)]));
  const z = normalQuantile(o.confidence);
  let best: { name: string; dm: number; mean: number; n: number } | undefined;
  let judged = 0;
  for (const name of available) {
    if (name === reference) continue;
    const diffs = (args.scored[name] ?? []).flatMap((e) => {
      const r = refErr.get(e.t);
      return r === undefined ? [] : [Math.abs(e.p50 - e.actual) - r];
    });
    if (diffs.length < o.minScored) continue;
    judged = Math.max(judged, diffs.length);
    const dm = dieboldMariano(diffs, args.lag);
    const need = name === args.incumbent ? z / 2 : z;
    const mean = diffs.reduce((s, d) => s + d, 0) / diffs.length;
    if (dm <= -need && (!best || mean < best.mean)) best = { name, dm, mean, n: diffs.length };
  }
  if (best) {
    return {
      name: best.name,
      by: "SKILL",
      message:
        `${best.name}: MAE ${Math.abs(best.mean).toFixed(3)} points below ${reference}'s over ${best.n} realised horizons ` +
        `(Diebold-Mariano z = ${best.dm.toFixed(2)})`,
    };
  }
  return {
    name: reference,
    by: "PRIOR",
    message:
      judged === 0
        ? `${reference}: the kind's first forecaster (fewer than ${o.minScored} realised horizons to judge others by)`
        : `${reference}: the kind's first forecaster; none significantly better over ${judged} realised horizons`,
  };
}
