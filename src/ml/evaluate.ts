/**
 * Walk-forward evaluation: at each day's 00:00 UTC in [start, end], every forecaster sees only data
 * before that instant; its P50/P10/P90 are scored against the realised mean APR over the horizon.
 */
import type { Dataset } from "../domain/dataset.ts";
import type { SourceForecast } from "../domain/decision.ts";
import type { Forecaster } from "../ports/forecaster.ts";
import { observeDataset } from "./datasetView.ts";
import { coveredMean, DAY } from "./series.ts";

/** Scores of one forecaster on one set of forecasts. */
export interface Scores {
  /** Mean absolute error of P50, APR percentage points. */
  readonly mae: number;
  /** Mean absolute percentage error of P50 (realised mean APR ≥ 0.01 % only), in %. */
  readonly mape: number;
  /** Mean pinball loss over P10, P50, P90. */
  readonly pinball: number;
  /** Share of realised values inside [P10, P90]. */
  readonly coverage_p10_p90: number;
  readonly n: number;
}

/** The evaluation document (`keel evaluate --json`). */
export interface EvaluationReport {
  readonly horizon_days: number;
  readonly start: string;
  readonly end: string;
  readonly origins: number;
  readonly sources: Record<string, Record<string, Scores>>;
  readonly overall: Record<string, Scores>;
}

interface Acc {
  ae: number;
  ape: number;
  apeN: number;
  pin: number;
  cov: number;
  n: number;
}

const newAcc = (): Acc => ({ ae: 0, ape: 0, apeN: 0, pin: 0, cov: 0, n: 0 });

function add(a: Acc, f: { p10: number; p50: number; p90: number }, actual: number): void {
  const e = Math.abs(f.p50 - actual);
  a.ae += e;
  if (actual >= 0.01) {
    a.ape += e / actual;
    a.apeN++;
  }
  const pin = (q: number, p: number) => Math.max(q * (actual - p), (q - 1) * (actual - p));
  a.pin += (pin(0.1, f.p10) + pin(0.5, f.p50) + pin(0.9, f.p90)) / 3;
  if (actual >= f.p10 && actual <= f.p90) a.cov++;
  a.n++;
}

function scores(a: Acc): Scores {
  const n = Math.max(1, a.n);
  return {
    mae: a.ae / n,
    mape: (100 * a.ape) / Math.max(1, a.apeN),
    pinball: a.pin / n,
    coverage_p10_p90: a.cov / n,
    n: a.n,
  };
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

/**
 * Runs every forecaster at each origin and scores it on the sources whose horizon is covered by
 * data; a source every forecaster could not forecast is skipped for all, so the rows compare alike.
 */
export async function evaluateForecasters(
  data: Dataset,
  forecasters: readonly Forecaster[],
  o: EvaluateOptions,
): Promise<EvaluationReport & { forecasts: number }> {
  const h = o.horizonDays * DAY;
  const perSource = new Map<string, Map<string, Acc>>();
  const overall = new Map<string, Acc>(forecasters.map((f) => [f.name, newAcc()]));
  const first = Math.ceil(o.start / DAY) * DAY;
  const total = Math.floor((o.end - first) / DAY) + 1;
  let origins = 0;
  let forecasts = 0;
  for (let k = 0; k < total; k++) {
    const t = first + k * DAY;
    const view = observeDataset(data, t, {
      lookbackDays: o.lookbackDays ?? 160,
      maxAgeSeconds: o.maxAgeSeconds ?? 3 * DAY,
    });
    const outputs: Readonly<Record<string, SourceForecast>>[] = [];
    for (const f of forecasters) {
      outputs.push(await f.forecast({ ...view, horizonDays: o.horizonDays }));
    }
    let scored = false;
    for (const src of view.snapshot.sources) {
      const actual = coveredMean(data.rates.get(src.id) ?? [], t, h);
      if (actual === undefined || outputs.some((out) => out[src.id] === undefined)) continue;
      scored = true;
      let bySource = perSource.get(src.id);
      if (!bySource) {
        bySource = new Map(forecasters.map((f) => [f.name, newAcc()]));
        perSource.set(src.id, bySource);
      }
      forecasters.forEach((f, i) => {
        const fc = outputs[i]![src.id]!;
        add(bySource.get(f.name)!, fc, actual);
        add(overall.get(f.name)!, fc, actual);
        forecasts++;
      });
    }
    if (scored) origins++;
    o.onProgress?.(k + 1, total);
  }
  const sources: Record<string, Record<string, Scores>> = {};
  for (const [id, m] of [...perSource].sort(([a], [b]) => a.localeCompare(b))) {
    sources[id] = Object.fromEntries([...m].map(([name, a]) => [name, scores(a)]));
  }
  return {
    horizon_days: o.horizonDays,
    start: new Date(first * 1000).toISOString().slice(0, 10),
    end: new Date((first + (total - 1) * DAY) * 1000).toISOString().slice(0, 10),
    origins,
    sources,
    overall: Object.fromEntries([...overall].map(([name, a]) => [name, scores(a)])),
    forecasts,
  };
}
