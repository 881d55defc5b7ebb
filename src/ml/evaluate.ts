/**
 * Walk-forward evaluation: at each day's 00:00 UTC in [start, end], every forecaster sees only data
 * before that instant (`observeDataset`); its P10/P50/P90 are scored against the realised time-weighted
 * mean APR over the horizon (`coveredMean`: skipped when the data does not cover it). Each forecaster is
 * scored on the origins and sources it forecast; `evaluationReport.ts` turns the rows into tables.
 */
import type { Dataset } from "../domain/dataset.ts";
import type { Forecaster } from "../ports/forecaster.ts";
import { observeDataset } from "./datasetView.ts";
import { coveredMean, DAY } from "./series.ts";

/** One scored forecast. */
export interface EvalRow {
  /** Origin index (day number from the first origin). */
  readonly k: number;
  readonly sourceId: string;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  readonly actual: number;
}

/** Everything a walk-forward run scored. */
export interface EvaluationRows {
  readonly horizonDays: number;
  /** Unix seconds of each origin (index k). */
  readonly origins: number[];
  /** Source id → kind (`lending`, `lp`, `vault`). */
  readonly kinds: Record<string, string>;
  /** Forecaster name → its scored forecasts. */
  readonly rows: Record<string, EvalRow[]>;
}

/** Options of `evaluateForecasters`. */
export interface EvaluateOptions {
  readonly start: number;
  readonly end: number;
  readonly horizonDays: number;
  readonly lookbackDays?: number;
  readonly maxAgeSeconds?: number;
  /** Called after each origin with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Runs every forecaster at each origin (in order) and keeps its scored forecasts. */
export async function evaluateForecasters(
  data: Dataset,
  forecasters: readonly Forecaster[],
  o: EvaluateOptions,
): Promise<EvaluationRows> {
  const h = o.horizonDays * DAY;
  const first = Math.ceil(o.start / DAY) * DAY;
  const total = Math.max(0, Math.floor((o.end - first) / DAY) + 1);
  const rows: Record<string, EvalRow[]> = Object.fromEntries(forecasters.map((f) => [f.name, []]));
  const kinds: Record<string, string> = {};
  for (const p of data.pools) kinds[p.poolId] = p.kind === "staking" ? "vault" : p.kind;
  const origins: number[] = [];
  for (let k = 0; k < total; k++) {
    const t = first + k * DAY;
    origins.push(t);
    const view = observeDataset(data, t, {
      lookbackDays: o.lookbackDays ?? 160,
      maxAgeSeconds: o.maxAgeSeconds ?? 3 * DAY,
    });
    const actual = new Map<string, number>();
    for (const src of view.snapshot.sources) {
      const a = coveredMean(data.rates.get(src.id) ?? [], t, h);
      if (a !== undefined) actual.set(src.id, a);
    }
    for (const f of forecasters) {
      const out = await f.forecast({ ...view, horizonDays: o.horizonDays });
      for (const [id, y] of actual) {
        const fc = out[id];
        if (fc) rows[f.name]!.push({ k, sourceId: id, p10: fc.p10, p50: fc.p50, p90: fc.p90, actual: y });
      }
    }
    o.onProgress?.(k + 1, total);
  }
  return { horizonDays: o.horizonDays, origins, kinds, rows };
}
