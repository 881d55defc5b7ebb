/**
 * The best baseline per source: each source is forecast by the baseline with the lowest walk-forward
 * error on that source's own history — not one method pooled over every source. With too little
 * history to score them, the method that did best for the source's kind in the shipped evaluation
 * (models/README.md: EMA over the Aave markets, the trailing mean over the Uniswap pools).
 */
import type { SourceForecast } from "../domain/decision.ts";
import type { SourceKind } from "../domain/snapshot.ts";
import type { Forecaster, ForecastInput } from "../ports/forecaster.ts";
import {
  BASELINE_DEFAULTS,
  type BaselineName,
  type BaselineOptions,
  forecastSeries,
  pastErrors,
  pointMethod,
} from "./baselines.ts";
import { type AprPoint, DAY, mean } from "./series.ts";

/** Per kind, the baseline with the lowest MAE in the evaluation when a source cannot be scored yet. */
export const BASELINE_BY_KIND: Readonly<Record<SourceKind, BaselineName>> = {
  lending: "ema",
  vault: "ema",
  lp: "mean",
};
const CANDIDATES: readonly BaselineName[] = ["persistence", "mean", "ema", "arima"];
/** Scored origins needed before a source's own errors choose its method. */
const MIN_SCORED = 10;

/** The candidate with the lowest mean absolute error on the series, or undefined when too few origins score. */
export function bestMethodFor(
  points: readonly AprPoint[],
  asOf: number,
  horizonDays: number,
  o: BaselineOptions = BASELINE_DEFAULTS,
): { name: BaselineName; mae: number; scored: number } | undefined {
  let best: { name: BaselineName; mae: number; scored: number } | undefined;
  for (const name of CANDIDATES) {
    const errors = pastErrors(points, asOf, horizonDays, pointMethod(name, o), o);
    if (errors.length < MIN_SCORED) return undefined;
    const mae = mean(errors.map(Math.abs));
    if (!best || mae < best.mae) best = { name, mae, scored: errors.length };
  }
  return best;
}

/**
 * The `best` forecaster: per source, the baseline that forecast it best over its last
 * `residualOrigins` daily origins (chosen once per source per day), else its kind's default. Each
 * source's forecast names its method in `forecaster`.
 */
export function createBestBaseline(opts: Partial<BaselineOptions> = {}): Forecaster {
  const o = { ...BASELINE_DEFAULTS, ...opts };
  const chosen = new Map<string, { day: number; name: BaselineName }>();
  return {
    name: "best",
    hash: "best",
    async forecast(input: ForecastInput): Promise<Readonly<Record<string, SourceForecast>>> {
      const out: Record<string, SourceForecast> = {};
      const asOf = input.snapshot.timestamp;
      const day = Math.floor(asOf / DAY);
      for (const src of input.snapshot.sources) {
        const points = input.history.sources[src.id] ?? [];
        let pick = chosen.get(src.id);
        if (pick?.day !== day) {
          pick = { day, name: bestMethodFor(points, asOf, input.horizonDays, o)?.name ?? BASELINE_BY_KIND[src.kind] };
          chosen.set(src.id, pick);
        }
        const q = forecastSeries(points, asOf, input.horizonDays, pointMethod(pick.name, o), o, src.aprPct);
        if (q) out[src.id] = { sourceId: src.id, ...q, forecaster: pick.name };
      }
      return out;
    },
  };
}
