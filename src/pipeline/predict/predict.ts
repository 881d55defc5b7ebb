import type { Forecast, SourceForecast } from "../../domain/decision.ts";
import { describeError } from "../../domain/errors.ts";
import { type Reason, reason } from "../../domain/reasons.ts";
import { priceVolPct } from "../../ml/priceVol.ts";
import type { Forecaster } from "../../ports/forecaster.ts";
import { ok, type Stage } from "../stage.ts";
import type { Observed } from "../types.ts";
import { createDriftTracker } from "./drift.ts";

/** Options of the predict stage. */
export interface PredictOptions {
  readonly horizonDays: number;
  /** Horizons of live error compared before falling back for drift (default 4). */
  readonly driftHorizons?: number;
  /** Scored forecasts needed before drift can be declared (default 20). */
  readonly driftMinSamples?: number;
}

/** What the predict stage needs. */
export interface PredictDeps {
  /** The trained model (ONNX adapter), or undefined when it could not be loaded. */
  readonly model: Forecaster | undefined;
  /** Why the model is missing (shown in the decision), when it is. */
  readonly modelUnavailableReason?: string;
  readonly baseline: Forecaster;
}

/**
 * The predict stage: P10/P50/P90 of the mean APR over the horizon for every source. Uses the model
 * when present; falls back to the baseline, with `fallbackReason` set, when the model is missing,
 * throws, or its live error over the last N horizons exceeds the baseline's. A source with less
 * history than the model needs (`minHistoryDays`) is forecast by the baseline with a `HISTORY_SHORT`
 * reason naming its days, per source, while the others keep the model. LP and non-base-asset
 * sources get `priceVolPct` (trailing 30-day annualised volatility, `src/ml/priceVol.ts`). Never halts.
 */
export function createPredictStage(opts: PredictOptions, deps: PredictDeps): Stage<Observed, Forecast> {
  const drift = createDriftTracker({
    horizonDays: opts.horizonDays,
    horizons: opts.driftHorizons ?? 4,
    minSamples: opts.driftMinSamples ?? 20,
    maxPending: 10_000,
  });
  return {
    async run(input) {
      const forecastInput = { snapshot: input.snapshot, history: input.history, horizonDays: opts.horizonDays };
      const base = withPriceVol(await deps.baseline.forecast(forecastInput), input);
      const fallback = (code: "MODEL_UNAVAILABLE" | "MODEL_FAILED" | "MODEL_DRIFT", why: string) => {
        const value: Forecast = {
          horizonDays: opts.horizonDays,
          forecaster: deps.baseline.name,
          modelHash: deps.baseline.hash,
          fallbackReason: why,
          sources: base,
        };
        return ok(value, `${deps.baseline.name} forecast for ${count(base)} sources (fallback: ${why})`, [
          reason(code, why, { severity: "warn" }),
        ]);
      };

      if (!deps.model) return fallback("MODEL_UNAVAILABLE", deps.modelUnavailableReason ?? "no model loaded");
      let fromModel: Readonly<Record<string, SourceForecast>>;
      try {
        fromModel = await deps.model.forecast(forecastInput);
      } catch (err) {
        const e = describeError(err);
        return fallback("MODEL_FAILED", `model failed: [${e.code}] ${e.message}`);
      }
      // A source with less history than the model needs is the baseline's until it has it.
      const need = deps.model.minHistoryDays;
      const short = need === undefined ? new Map<string, number>() : shortHistory(input, need);
      fromModel = Object.fromEntries(Object.entries(fromModel).filter(([id]) => !short.has(id)));

      drift.record(input.snapshot.timestamp, p50s(fromModel), p50s(base));
      const check = drift.check(input.snapshot.timestamp, input.history.sources);
      if (check.drifted) {
        return fallback(
          "MODEL_DRIFT",
          `model live MAE ${check.modelMae.toFixed(3)} over the last ${opts.driftHorizons ?? 4} horizons ` +
            `exceeds ${deps.baseline.name}'s ${check.baselineMae.toFixed(3)} (${check.samples} forecasts)`,
        );
      }

      // A source the model could not forecast (too little history) takes the baseline's forecast.
      const sources: Record<string, SourceForecast> = { ...withPriceVol(fromModel, input) };
      const reasons: Reason[] = [];
      for (const [id, f] of Object.entries(base)) {
        if (sources[id] !== undefined) continue;
        sources[id] = f;
        const by = f.forecaster ?? deps.baseline.name;
        const days = short.get(id);
        reasons.push(
          days === undefined || need === undefined
            ? reason("MODEL_SOURCE_FALLBACK", `model had no forecast for ${id}; using ${by}`, { sourceId: id })
            : reason(
                "HISTORY_SHORT",
                `${id} has ${days.toFixed(1)} of the ${need} days of history the model needs; forecast by ${by} until it has`,
                { sourceId: id, value: Math.round(days * 10) / 10, limit: need, severity: "warn" },
              ),
        );
      }
      const value: Forecast = {
        horizonDays: opts.horizonDays,
        forecaster: deps.model.name,
        modelHash: deps.model.hash,
        sources,
      };
      return ok(value, `${deps.model.name} forecast for ${count(sources)} sources`, reasons);
    },
  };
}

/** Sources of the snapshot whose history spans fewer than `needDays` days, with the days they have. */
function shortHistory(input: Observed, needDays: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const src of input.snapshot.sources) {
    const first = input.history.sources[src.id]?.[0];
    const days = first ? Math.max(0, (input.snapshot.timestamp - first.t) / 86_400) : 0;
    if (days < needDays) out.set(src.id, days);
  }
  return out;
}

/** Adds the trailing price volatility to LP and non-base-asset sources when the forecaster did not. */
function withPriceVol(f: Readonly<Record<string, SourceForecast>>, input: Observed): Record<string, SourceForecast> {
  const out: Record<string, SourceForecast> = {};
  const { snapshot, history } = input;
  for (const [id, fc] of Object.entries(f)) {
    const src = snapshot.sources.find((s) => s.id === id);
    const vol =
      fc.priceVolPct ??
      (src ? priceVolPct(src, snapshot.baseAsset.symbol, history.prices, snapshot.timestamp) : undefined);
    out[id] = vol === undefined ? fc : { ...fc, priceVolPct: vol };
  }
  return out;
}

function p50s(f: Readonly<Record<string, SourceForecast>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, s] of Object.entries(f)) out[id] = s.p50;
  return out;
}

function count(f: Readonly<Record<string, unknown>>): number {
  return Object.keys(f).length;
}
