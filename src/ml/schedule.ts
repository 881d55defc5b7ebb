/**
 * Forecaster wrappers for walk-forward evaluation: a schedule of trained models where each origin is
 * forecast by the newest model trained only on data before it, a per-origin memo so several consumers
 * of one forecaster share its work, and a quantile-averaging ensemble.
 */
import type { SourceForecast } from "../domain/decision.ts";
import type { Forecaster, ForecastInput } from "../ports/forecaster.ts";

type Out = Readonly<Record<string, SourceForecast>>;

/**
 * `members` (trained models, each with `trainedBefore`) as one forecaster: at time t the member with the
 * latest `trainedBefore` ≤ t forecasts; before the first cut-off there is no forecast.
 */
export function scheduled(name: string, members: readonly Forecaster[]): Forecaster {
  const sorted = [...members].sort((a, b) => (a.trainedBefore ?? 0) - (b.trainedBefore ?? 0));
  const at = (t: number) => sorted.filter((m) => (m.trainedBefore ?? Number.POSITIVE_INFINITY) <= t).at(-1);
  const last = sorted.at(-1);
  return {
    name,
    hash: sorted.map((m) => m.hash.slice(0, 12)).join("+"),
    ...(last?.minHistoryDays === undefined ? {} : { minHistoryDays: last.minHistoryDays }),
    ...(sorted[0]?.trainedBefore === undefined ? {} : { trainedBefore: sorted[0].trainedBefore }),
    declines: (src) => last?.declines?.(src),
    async forecast(input: ForecastInput): Promise<Out> {
      const m = at(input.snapshot.timestamp);
      return m ? m.forecast(input) : {};
    },
  };
}

/** `f` renamed, answering each snapshot time once (the last one is remembered). */
export function memoised(f: Forecaster, name = f.name): Forecaster {
  let last: { t: number; out: Promise<Out> } | undefined;
  return {
    ...f,
    name,
    forecast(input: ForecastInput): Promise<Out> {
      if (last?.t !== input.snapshot.timestamp) last = { t: input.snapshot.timestamp, out: f.forecast(input) };
      return last.out;
    },
  };
}

/** The quantile-wise mean of the members' forecasts, for the sources every member forecasts. */
export function ensemble(name: string, members: readonly Forecaster[]): Forecaster {
  return {
    name,
    hash: members.map((m) => m.hash.slice(0, 12)).join("+"),
    declines: (src) => members.map((m) => m.declines?.(src)).find((r) => r !== undefined),
    async forecast(input: ForecastInput): Promise<Out> {
      const outs = await Promise.all(members.map((m) => m.forecast(input)));
      const out: Record<string, SourceForecast> = {};
      for (const id of Object.keys(outs[0] ?? {})) {
        const fs = outs.map((o) => o[id]);
        if (fs.every((f) => f !== undefined)) out[id] = meanForecast(id, fs as SourceForecast[]);
      }
      return out;
    },
  };
}

/** The quantile-wise mean of forecasts of one source. */
export function meanForecast(sourceId: string, fs: readonly SourceForecast[]): SourceForecast {
  const avg = (k: "p10" | "p50" | "p90") => fs.reduce((s, f) => s + f[k], 0) / fs.length;
  return { sourceId, p10: avg("p10"), p50: avg("p50"), p90: avg("p90") };
}
