/**
 * Who serves a source. The kind's prior order (measured walk-forward, models/README.md) names the
 * reference: the first forecaster in it that forecasts the source now. Another forecaster takes the
 * source over only when it is significantly better on that source's own realised horizons — a one-sided
 * Diebold–Mariano test on the paired absolute errors, with a HAC (Newey–West) variance because 7-day
 * horizons from consecutive daily origins overlap — and keeps it while it stays better at half that z.
 * Picking the lowest rolling MAE without a test chases noise: a per-source winner of 56 noisy days is
 * often worse out of sample than the kind's best. One source's choice never moves another's.
 */
import { normalQuantile } from "../../domain/normal.ts";
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
