import type { DecisionCommitment } from "../domain/commitment.ts";
import type { Action, GasVerdict, Plan } from "../domain/decision.ts";
import type { Snapshot } from "../domain/snapshot.ts";

/** Gas units for a plan, from simulating its actual calldata (live) or a calibrated model (backtest). */
export interface GasEstimator {
  estimateGas(plan: Plan, snapshot: Snapshot, signal: AbortSignal): Promise<bigint>;
}

/** Everything execute needs to act on one decision. `id` is also the on-chain intent id. */
export interface Intent {
  readonly id: string;
  readonly decisionId: string;
  readonly plan: Plan;
  readonly gas: GasVerdict;
  readonly snapshot: Snapshot;
  /** Hashes of what the decision saw; carried on-chain by the rebalance (zero words when absent). */
  readonly commitment?: DecisionCommitment;
}

/** Sends (or proposes, or records) an intent. */
export interface Executor {
  execute(intent: Intent, signal: AbortSignal): Promise<Action>;
}

/** Pulls the on-chain kill-switch (guardian key) when a risk trigger fires and the config allows it. */
export interface KillSwitch {
  pause(reasonCode: string, signal: AbortSignal): Promise<string | undefined>;
}
