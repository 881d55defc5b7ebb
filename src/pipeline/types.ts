import type { Action, Forecast, GasVerdict, Plan, RiskVerdict } from "../domain/decision.ts";
import type { HistoryWindow, Snapshot } from "../domain/snapshot.ts";
import type { Intent } from "../ports/execution.ts";
import type { Stage } from "./stage.ts";

/** What ingest hands on: the snapshot and the history known at its time. */
export interface Observed {
  readonly snapshot: Snapshot;
  readonly history: HistoryWindow;
}

export interface RiskInput extends Observed {
  readonly forecast: Forecast;
}

export interface OptimizeInput extends RiskInput {
  readonly verdict: RiskVerdict;
}

export interface GasInput {
  readonly snapshot: Snapshot;
  readonly plan: Plan;
}

/** The six stages, wired by the composition root (live) or the backtester. */
export interface Stages {
  readonly ingest: Stage<void, Observed>;
  readonly predict: Stage<Observed, Forecast>;
  readonly riskGate: Stage<RiskInput, RiskVerdict>;
  readonly optimize: Stage<OptimizeInput, Plan>;
  readonly gasCheck: Stage<GasInput, GasVerdict>;
  readonly execute: Stage<Intent, Action>;
}
