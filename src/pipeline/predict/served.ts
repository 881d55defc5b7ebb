/**
 * The predict stage as forecasters, for walk-forward evaluation: `served` is what the stage serves
 * (per-source choice by skill, calibrated band), `served-raw` the same forecasts with the band before
 * calibration. Both come from one run of the stage per origin (`served` must be asked first).
 */
import type { Forecast, SourceForecast } from "../../domain/decision.ts";
import type { Forecaster, ForecastInput } from "../../ports/forecaster.ts";
import { createPredictStage, type PredictDeps, type PredictOptions } from "./predict.ts";

/** `served` and `served-raw` over one predict stage built from `opts` and `deps`. */
export function servedForecasters(opts: PredictOptions, deps: PredictDeps): [Forecaster, Forecaster] {
  const stage = createPredictStage(opts, deps);
  const signal = new AbortController().signal;
  let last: { t: number; forecast: Forecast } | undefined;
  const served: Forecaster = {
    name: "served",
    hash: "served",
    async forecast(input: ForecastInput) {
      const r = await stage.run({ snapshot: input.snapshot, history: input.history }, signal);
      if (r.status !== "ok") return {};
      last = { t: input.snapshot.timestamp, forecast: r.value };
      return r.value.sources;
    },
  };
  const raw: Forecaster = {
    name: "served-raw",
    hash: "served-raw",
    async forecast(input: ForecastInput) {
      if (last?.t !== input.snapshot.timestamp) return {};
      const out: Record<string, SourceForecast> = {};
      for (const [id, f] of Object.entries(last.forecast.sources)) out[id] = { ...f, ...f.uncalibrated };
      return out;
    },
  };
  return [served, raw];
}
