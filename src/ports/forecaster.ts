import type { SourceForecast } from "../domain/decision.ts";
import type { HistoryWindow, Snapshot, SourceState } from "../domain/snapshot.ts";

/** Input to every forecaster: only what was known at `snapshot.timestamp`. */
export interface ForecastInput {
  readonly snapshot: Snapshot;
  readonly history: HistoryWindow;
  readonly horizonDays: number;
}

/** A forecaster (the ONNX model, the linear model or a baseline): P10/P50/P90 of the mean APR over the horizon. */
export interface Forecaster {
  /** `model`, `linear`, `best`, `persistence`, `mean`, `ema`, `arima`. */
  readonly name: string;
  /** SHA-256 of the model file; the name for baselines. */
  readonly hash: string;
  /**
   * Days of history a source needs before this forecaster's forecast of it is full quality (the
   * model's window plus its features' warm-up); absent when any history will do.
   */
  readonly minHistoryDays?: number;
  /** Unix seconds: the forecaster was fitted on data before this time (trained models only). */
  readonly trainedBefore?: number;
  /**
   * Why this forecaster does not forecast `source` (a kind or a rate measure it was never trained on),
   * or undefined when it does; absent when it forecasts every source.
   */
  declines?(source: Pick<SourceState, "kind" | "protocol">): string | undefined;
  forecast(input: ForecastInput): Promise<Readonly<Record<string, SourceForecast>>>;
}
