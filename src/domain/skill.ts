/** The forecast skill ledger's records and its view (what `/api/v1/skill`, the dashboard and metrics show). */

/** One forecast a candidate made for one source at one daily origin, and what happened, once known. */
export interface SkillEntry {
  readonly sourceId: string;
  /** `model`, `linear`, the baseline's name (`best`…), `persistence`, or `served` (what predict served, calibrated). */
  readonly forecaster: string;
  /** Unix seconds of the tick that made it (the first tick of its UTC day). */
  readonly t: number;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  /** Realised time-weighted mean APR over [t, t + horizon), once the horizon has passed. */
  readonly actual?: number;
}

/** Rolling scores of one forecaster on one source (realised horizons inside the window). */
export interface SkillScores {
  /** Scored forecasts. */
  readonly n: number;
  /** Mean absolute error of P50, APR points. */
  readonly mae: number;
  /** Mean absolute percentage error of P50 over realised means ≥ 0.01 %, in %. */
  readonly mape: number;
  /** Mean pinball loss over P10, P50, P90. */
  readonly pinball: number;
  /** Share of realised means below P10, and above P90 (10 % each when calibrated). */
  readonly belowP10: number;
  readonly aboveP90: number;
  /** MAE over persistence's MAE on the same origins (< 1: better than persistence); null without both. */
  readonly maeRatio: number | null;
}

/** One source in the ledger's view. */
export interface SourceSkill {
  readonly sourceId: string;
  readonly kind: string;
  /** The forecaster serving it now, and why. */
  readonly served: string;
  readonly reason: string;
  /** Calibration applied to the served band: additive shifts of P10 and P90 in log1p space (0 = none). */
  readonly calibration: { readonly scored: number; readonly p10Shift: number; readonly p90Shift: number };
  /** Rolling scores by forecaster (`served` is the calibrated band as served). */
  readonly scores: Readonly<Record<string, SkillScores>>;
}

/** The ledger's view at one tick. */
export interface SkillView {
  /** Unix seconds of the tick. */
  readonly asOf: number;
  readonly horizonDays: number;
  readonly windowDays: number;
  readonly sources: readonly SourceSkill[];
}
