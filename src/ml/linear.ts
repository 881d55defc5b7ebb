/**
 * The linear forecaster: per source kind, linear quantile regression (q = 0.1, 0.5, 0.9) of the same
 * target as the LSTM — log1p(mean APR over the horizon) − log1p(current rate) — on four coefficients:
 * an intercept and the gaps between the trailing 1-, 7- and 30-day (time-weighted) means and the
 * current rate, in log1p space (`features.ts`). Fitted by `keel train` beside the LSTM on the same
 * samples (data before the cut-off), stored as linear.json.
 */
import { z } from "zod";
import type { Dataset } from "../domain/dataset.ts";
import type { SourceForecast } from "../domain/decision.ts";
import type { Forecaster, ForecastInput } from "../ports/forecaster.ts";
import { FEATURES, featureTable, priceSymbolFor } from "./features.ts";
import { trainedInputSchema, trainedInputs, unseenInput } from "./inputs.ts";
import { fitQuantile } from "./quantileRegression.ts";
import { buildSamples } from "./samples.ts";
import { DAY } from "./series.ts";

/** The linear model's file, beside model.onnx. */
export const LINEAR_FILE = "linear.json";

/** The regressors besides the intercept, by feature name. */
export const LINEAR_REGRESSORS = ["mean1d_minus_rate", "mean7d_minus_rate", "mean30d_minus_rate"] as const;
const QUANTILES = [0.1, 0.5, 0.9] as const;
const COLS = LINEAR_REGRESSORS.length + 1;
const INDEX = LINEAR_REGRESSORS.map((f) => FEATURES.indexOf(f));

/** linear.json. */
export const linearModelSchema = z.object({
  format: z.literal("keel-linear/1"),
  horizonDays: z.number().int().min(1),
  regressors: z.array(z.string()),
  quantiles: z.array(z.number()),
  /** Per kind: coefficients per quantile (intercept first) and the samples they were fitted on. */
  kinds: z.record(z.string(), z.object({ coefficients: z.array(z.array(z.number())), samples: z.number() })),
  inputs: z.array(trainedInputSchema),
  training: z.object({ dataBefore: z.string() }).catchall(z.unknown()),
});

/** Parsed linear.json. */
export type LinearModel = z.infer<typeof linearModelSchema>;

/** Fits the linear model on every sample whose target ends before `endDay + 1 day`. */
export function fitLinear(
  data: Dataset,
  o: { readonly endDay: number; readonly horizonDays: number; readonly minHistoryDays: number },
): LinearModel {
  const cutoff = o.endDay + DAY;
  const s = buildSamples(data, {
    window: 1,
    horizonDays: o.horizonDays,
    from: 0,
    to: cutoff - o.horizonDays * DAY,
    targetEnd: cutoff,
    minHistoryDays: o.minHistoryDays,
  });
  const kindOf = new Map(data.pools.map((p) => [p.poolId, p.kind === "staking" ? "vault" : p.kind]));
  const kinds: LinearModel["kinds"] = {};
  for (const kind of new Set(kindOf.values())) {
    const rows = s.poolId.flatMap((id, i) => (kindOf.get(id) === kind ? [i] : []));
    if (rows.length < 50) continue;
    const x = new Float64Array(rows.length * COLS);
    const y = new Float64Array(rows.length);
    rows.forEach((i, r) => {
      x.set(regressors(s.x, i * FEATURES.length), r * COLS);
      y[r] = s.y[i]!;
    });
    kinds[kind] = { coefficients: QUANTILES.map((q) => fitQuantile(x, y, COLS, q)), samples: rows.length };
  }
  const used = new Set(s.poolId);
  return {
    format: "keel-linear/1",
    horizonDays: o.horizonDays,
    regressors: ["intercept", ...LINEAR_REGRESSORS],
    quantiles: [...QUANTILES],
    kinds,
    inputs: trainedInputs(data.pools.filter((p) => used.has(p.poolId) && kinds[kindOf.get(p.poolId)!])),
    training: { dataBefore: new Date(cutoff * 1000).toISOString() },
  };
}

function regressors(x: Float32Array, offset: number): number[] {
  return [1, ...INDEX.map((f) => x[offset + f]!)];
}

/** The linear model as a Forecaster (`hash` names the file's content). */
export function createLinearForecaster(model: LinearModel, hash: string): Forecaster {
  return {
    name: "linear",
    hash,
    // The 30-day mean and its warm-up.
    minHistoryDays: 31,
    trainedBefore: Date.parse(model.training.dataBefore) / 1000,
    declines: (src) => (model.kinds[src.kind] ? unseenInput(model.inputs, src) : `trained on no ${src.kind} source`),
    async forecast(input: ForecastInput): Promise<Readonly<Record<string, SourceForecast>>> {
      const out: Record<string, SourceForecast> = {};
      if (input.horizonDays !== model.horizonDays) return out;
      const asOf = input.snapshot.timestamp;
      for (const src of input.snapshot.sources) {
        const coef = model.kinds[src.kind]?.coefficients;
        const points = input.history.sources[src.id] ?? [];
        if (!coef || unseenInput(model.inputs, src) || points.length === 0 || points[0]!.t >= asOf) continue;
        const table = featureTable(points, input.history.prices[priceSymbolFor(src)] ?? [], src, asOf, 1);
        const level = Number.isFinite(src.aprPct) ? src.aprPct : table.current[0]!;
        if (!Number.isFinite(level)) continue;
        const r = regressors(table.x, 0);
        const base = Math.log1p(Math.max(0, level));
        const qs = coef
          .map((b) => Math.max(0, Math.expm1(base + b.reduce((s, v, k) => s + v * r[k]!, 0))))
          .sort((a, b) => a - b);
        out[src.id] = { sourceId: src.id, p10: qs[0]!, p50: qs[1]!, p90: qs[2]! };
      }
      return out;
    },
  };
}
