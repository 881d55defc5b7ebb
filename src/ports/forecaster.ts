import type { SourceForecast } from "../domain/decision.ts";
import type { HistoryWindow, Snapshot } from "../domain/snapshot.ts";

/** Input to every forecaster: only what was known at `snapshot.timestamp`. */
export interface ForecastInput {
  readonly snapshot: Snapshot;
  readonly history: HistoryWindow;
  readonly horizonDays: number;
}

/** A forecaster (the ONNX model or a baseline): P10/P50/P90 of the mean APR over the horizon. */
export interface Forecaster {
  /** `model`, `persistence`, `mean`, `ema`, `arima`. */
  readonly name: string;
  /** SHA-256 of the model file; the name for baselines. */
  readonly hash: string;
  /**
   * Days of history a source needs before this forecaster's forecast of it is full quality (the
   * model's window plus its features' warm-up); absent when any history will do.
   */
  readonly minHistoryDays?: number;
  forecast(input: ForecastInput): Promise<Readonly<Record<string, SourceForecast>>>;
}
