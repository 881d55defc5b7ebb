/**
 * Baseline forecasters behind the `Forecaster` port: persistence, trailing mean, EMA and ARIMA.
 * Each gives a point forecast (P50) of the mean APR over the horizon; P10/P90 come from the
 * empirical spread of that same method's past errors on the series (walk-forward over the last
 * `residualOrigins` daily origins whose outcome is already known at decision time). The ARIMA
 * baseline is ARIMA(1,1,1) by conditional least squares (`arima.ts`).
 */
import type { SourceForecast } from "../domain/decision.ts";
import type { Forecaster, ForecastInput } from "../ports/forecaster.ts";
import { arimaMeanForecast } from "./arima.ts";
import { type AprPoint, DAY, dailyMeans, ema, lastBefore, mean, quantile, std } from "./series.ts";

/** A point method: daily means (oldest first, ending just before the origin) and the last rate → P50. */
export type PointMethod = (daily: readonly number[], current: number, horizonDays: number) => number;

/** Names of the baselines. */
export type BaselineName = "persistence" | "mean" | "ema" | "arima";

/** Tunables shared by the baselines. */
export interface BaselineOptions {
  /** Days of history the methods look at. */
  readonly lookbackDays: number;
  /** Past daily origins used to measure the error spread. */
  readonly residualOrigins: number;
  /** Trailing-mean window in days. */
  readonly meanWindowDays: number;
  /** EMA span in days. */
  readonly emaSpanDays: number;
}

/** The baselines' default tunables. */
export const BASELINE_DEFAULTS: BaselineOptions = {
  lookbackDays: 90,
  residualOrigins: 30,
  meanWindowDays: 7,
  emaSpanDays: 7,
};

/** The point methods, by name. */
export function pointMethod(name: BaselineName, o: BaselineOptions = BASELINE_DEFAULTS): PointMethod {
  switch (name) {
    case "persistence":
      return (_d, current) => current;
    case "mean":
      return (d, current) => orElse(mean(d.slice(-o.meanWindowDays)), current);
    case "ema":
      return (d, current) => orElse(ema(d, o.emaSpanDays), current);
    case "arima":
      return arimaMethod;
  }
}

function orElse(v: number, fallback: number): number {
  return Number.isFinite(v) ? v : fallback;
}

/** ARIMA(1,1,1) on the daily means, averaged over the horizon; persistence when it cannot be fitted. */
function arimaMethod(daily: readonly number[], current: number, horizonDays: number): number {
  const ts = daily.filter(Number.isFinite);
  // The last daily mean is replaced by the current rate so the forecast starts from the latest level.
  if (ts.length > 0) ts[ts.length - 1] = current;
  const m = arimaMeanForecast(ts, horizonDays);
  if (m === undefined || Math.abs(m - current) > 5 * (std(ts) + 1)) return current;
  return m;
}

/**
 * The method's walk-forward errors on the series before `asOf` (realised mean over the horizon minus
 * the forecast), at the last `residualOrigins` daily origins whose outcome is already known.
 */
export function pastErrors(
  points: readonly AprPoint[],
  asOf: number,
  horizonDays: number,
  method: PointMethod,
  o: BaselineOptions = BASELINE_DEFAULTS,
  daily: readonly number[] = dailyMeans(points, asOf + 1, o.lookbackDays + horizonDays + o.residualOrigins),
): number[] {
  const days = o.lookbackDays + horizonDays + o.residualOrigins;
  const errors: number[] = [];
  for (let j = horizonDays; j < horizonDays + o.residualOrigins; j++) {
    const originIdx = days - j;
    const target = mean(daily.slice(originIdx, originIdx + horizonDays));
    const current = lastBefore(points, asOf + 1 - j * DAY);
    if (!current || !Number.isFinite(target)) continue;
    const hist = daily.slice(Math.max(0, originIdx - o.lookbackDays), originIdx);
    errors.push(target - method(hist, current.aprPct, horizonDays));
  }
  return errors;
}

/**
 * P10/P50/P90 for one series at `asOf` from a point method and its own past errors. Returns
 * undefined when the series has no point before `asOf`.
 */
export function forecastSeries(
  points: readonly AprPoint[],
  asOf: number,
  horizonDays: number,
  method: PointMethod,
  o: BaselineOptions = BASELINE_DEFAULTS,
  current?: number,
): { p10: number; p50: number; p90: number } | undefined {
  const last = current ?? lastBefore(points, asOf + 1)?.aprPct;
  if (last === undefined) return undefined;
  const daily = dailyMeans(points, asOf + 1, o.lookbackDays + horizonDays + o.residualOrigins);
  const p50 = method(daily.slice(-o.lookbackDays), last, horizonDays);
  const errors = pastErrors(points, asOf, horizonDays, method, o, daily);
  if (errors.length < 5) {
    // Too little history to measure errors: a spread from the recent day-to-day variability.
    const spread = 1.2816 * std(daily.slice(-30)) || Math.abs(p50) * 0.1;
    return clamp({ p10: p50 - spread, p50, p90: p50 + spread });
  }
  return clamp({ p10: p50 + quantile(errors, 0.1), p50, p90: p50 + quantile(errors, 0.9) });
}

function clamp(q: { p10: number; p50: number; p90: number }) {
  const p50 = Math.max(0, q.p50);
  return { p10: Math.min(p50, Math.max(0, q.p10)), p50, p90: Math.max(p50, q.p90) };
}

/** A baseline forecaster: forecasts every snapshot source from its history and its current rate. */
export function createBaseline(name: BaselineName, opts: Partial<BaselineOptions> = {}): Forecaster {
  const o = { ...BASELINE_DEFAULTS, ...opts };
  const method = pointMethod(name, o);
  return {
    name,
    hash: name,
    async forecast(input: ForecastInput): Promise<Readonly<Record<string, SourceForecast>>> {
      const out: Record<string, SourceForecast> = {};
      const asOf = input.snapshot.timestamp;
      for (const src of input.snapshot.sources) {
        const points = input.history.sources[src.id] ?? [];
        const q = forecastSeries(points, asOf, input.horizonDays, method, o, src.aprPct);
        if (q) out[src.id] = { sourceId: src.id, ...q };
      }
      return out;
    },
  };
}
