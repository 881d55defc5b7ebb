/**
 * The tables of `keel evaluate`: per forecaster, per source kind and per source — MAE, MAPE, pinball,
 * the shares of outcomes below P10 and above P90, and the ratio of its MAE to persistence's on the same
 * origins and sources with a moving-block bootstrap interval over origins (a kind's sources resampled
 * together, day by day, so their common shocks stay together).
 */
import { blockBootstrapRatio, type Interval } from "./bootstrap.ts";
import type { EvalRow, EvaluationRows } from "./evaluate.ts";
import { skillScores } from "./skillScores.ts";

/** The reference of every ratio. */
export const REFERENCE = "persistence";

/** One forecaster's figures on one group of forecasts. */
export interface ScoreRow {
  readonly n: number;
  readonly mae: number;
  readonly mape: number;
  readonly pinball: number;
  readonly below_p10: number;
  readonly above_p90: number;
  /** MAE / persistence's MAE on the same (origin, source) pairs, with its 95 % interval. */
  readonly mae_ratio: Interval | null;
  /** First and last origin scored (YYYY-MM-DD). */
  readonly window: readonly [string, string];
  /** For a kind: sources where its MAE is below persistence's, of those scored. */
  readonly better_sources?: string;
}

/** Bootstrap settings of the report. */
export interface ReportOptions {
  readonly blockDays: number;
  readonly replicates: number;
  readonly seed: number;
}

/** The evaluation document (`keel evaluate --json`, less the run's notes). */
export interface EvaluationReport {
  readonly horizon_days: number;
  readonly start: string;
  readonly end: string;
  readonly origins: number;
  readonly bootstrap: ReportOptions & { readonly level: number };
  readonly overall: Record<string, ScoreRow>;
  readonly kinds: Record<string, Record<string, ScoreRow>>;
  readonly sources: Record<string, { kind: string; forecasters: Record<string, ScoreRow> }>;
}

const day = (t: number | undefined) => (t === undefined ? "" : new Date(t * 1000).toISOString().slice(0, 10));

/** Builds the report from the scored rows. */
export function evaluationReport(r: EvaluationRows, o: ReportOptions): EvaluationReport {
  const ref = new Map((r.rows[REFERENCE] ?? []).map((x) => [`${x.k}|${x.sourceId}`, x]));
  const row = (rows: readonly EvalRow[], ids?: readonly string[]): ScoreRow => {
    const refErr = rows.map((x) => refOf(ref, x));
    const s = skillScores(rows, refErr);
    const num = new Array<number>(r.origins.length).fill(0);
    const den = new Array<number>(r.origins.length).fill(0);
    rows.forEach((x, i) => {
      const e = refErr[i];
      if (e === undefined) return;
      num[x.k]! += Math.abs(x.p50 - x.actual);
      den[x.k]! += e;
    });
    const ks = rows.map((x) => x.k);
    const out: ScoreRow = {
      n: s.n,
      mae: s.mae,
      mape: s.mape,
      pinball: s.pinball,
      below_p10: s.belowP10,
      above_p90: s.aboveP90,
      mae_ratio: s.maeRatio === null ? null : blockBootstrapRatio(num, den, { ...o, blockLength: o.blockDays }),
      window: [day(r.origins[Math.min(...ks)]), day(r.origins[Math.max(...ks)])],
    };
    if (!ids) return out;
    const better = ids.filter((id) => {
      const own = rows.filter((x) => x.sourceId === id);
      const ratio = skillScores(
        own,
        own.map((x) => refOf(ref, x)),
      ).maeRatio;
      return ratio !== null && ratio < 1;
    });
    const scored = ids.filter((id) => rows.some((x) => x.sourceId === id));
    return { ...out, better_sources: `${better.length}/${scored.length}` };
  };
  const names = Object.keys(r.rows).filter((n) => (r.rows[n] ?? []).length > 0);
  const kindNames = [...new Set(Object.values(r.kinds))].sort();
  const sourceIds = Object.keys(r.kinds).sort();
  const overall = Object.fromEntries(names.map((n) => [n, row(r.rows[n]!)]));
  const kinds: EvaluationReport["kinds"] = {};
  for (const kind of kindNames) {
    const ids = sourceIds.filter((id) => r.kinds[id] === kind);
    const byName = names.flatMap((n) => {
      const rows = r.rows[n]!.filter((x) => r.kinds[x.sourceId] === kind);
      return rows.length > 0 ? [[n, row(rows, ids)] as const] : [];
    });
    if (byName.length > 0) kinds[kind] = Object.fromEntries(byName);
  }
  const sources: EvaluationReport["sources"] = {};
  for (const id of sourceIds) {
    const byName = names.flatMap((n) => {
      const rows = r.rows[n]!.filter((x) => x.sourceId === id);
      return rows.length > 0 ? [[n, row(rows)] as const] : [];
    });
    if (byName.length > 0) sources[id] = { kind: r.kinds[id]!, forecasters: Object.fromEntries(byName) };
  }
  return {
    horizon_days: r.horizonDays,
    start: day(r.origins[0]),
    end: day(r.origins.at(-1)),
    origins: r.origins.length,
    bootstrap: { ...o, level: 0.95 },
    overall,
    kinds,
    sources,
  };
}

function refOf(ref: Map<string, EvalRow>, x: EvalRow): number | undefined {
  const p = ref.get(`${x.k}|${x.sourceId}`);
  return p ? Math.abs(p.p50 - p.actual) : undefined;
}
