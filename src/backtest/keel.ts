import { createOptimizer } from "../composition/optimizer.ts";
import type { StageOptions } from "../composition/stageOptions.ts";
import { createExecuteStage } from "../pipeline/execute/execute.ts";
import { createGasCheckStage } from "../pipeline/gasCheck/gasCheck.ts";
import { createModelGasEstimator } from "../pipeline/gasCheck/gasModel.ts";
import { createIngestStage } from "../pipeline/ingest/ingest.ts";
import type { LpSolver } from "../pipeline/optimize/solver.ts";
import { createPredictStage } from "../pipeline/predict/predict.ts";
import { createRiskGateStage } from "../pipeline/riskGate/riskGate.ts";
import type { Stages } from "../pipeline/types.ts";
import type { Clock } from "../ports/clock.ts";
import type { Executor } from "../ports/execution.ts";
import type { Forecaster } from "../ports/forecaster.ts";
import type { HistoryStore } from "../ports/market.ts";
import type { PolicyChoice } from "../runtime/policy.ts";
import type { SimMarket } from "./market.ts";

/** A clock that reads the simulated time (so stages judge data age against the replay, not the wall). */
export function simClock(market: { t: number }): Clock {
  return { now: () => market.t * 1000, sleep: async () => {} };
}

/** The executor of the backtest: applies the plan to the simulated market (costs included). */
export function simExecutor(market: SimMarket): Executor {
  return {
    async execute(intent) {
      const applied = market.apply(intent.plan.moves, intent.gas.gasUnits);
      return {
        route: "simulated",
        intentId: intent.id,
        txHashes: [],
        status: applied.moves.length > 0 ? "included" : "failed",
      };
    },
  };
}

/** The forecasters the predict stage serves (`buildForecasters`, as the daemon builds them). */
export interface Forecasters {
  readonly model: Forecaster | undefined;
  readonly modelUnavailableReason?: string;
  readonly linear?: Forecaster;
  readonly baseline: Forecaster;
}

/** What the keel pipeline needs in a backtest. */
export interface KeelStageDeps {
  readonly market: SimMarket;
  readonly history: HistoryStore;
  readonly forecasters: Forecasters;
  readonly solver?: LpSolver;
  /** Solve one-source allocations in closed form (as the daemon does); false sends every one to the solver. */
  readonly closedForm?: boolean;
  /** The learned policy (`buildPolicy`) when `strategy.optimizer` is `policy`. */
  readonly policy?: PolicyChoice;
}

/**
 * The six stages of the live daemon, built with the daemon's options (`stageOptions`), wired to the
 * simulated market: ingest reads the replay, the gas check prices plans with the per-move gas model
 * (live it simulates the calldata), and execute applies the plan to the simulated vault.
 */
export function keelStages(options: StageOptions, deps: KeelStageDeps): { stages: Stages; clock: Clock } {
  const { market, forecasters } = deps;
  const clock = simClock(market);
  const stages: Stages = {
    ingest: createIngestStage(options.ingest, { market, history: deps.history, clock }),
    predict: createPredictStage(options.predict, {
      model: forecasters.model,
      ...(forecasters.modelUnavailableReason ? { modelUnavailableReason: forecasters.modelUnavailableReason } : {}),
      ...(forecasters.linear ? { linear: forecasters.linear } : {}),
      baseline: forecasters.baseline,
    }),
    riskGate: createRiskGateStage(options.riskGate, { clock }),
    optimize: createOptimizer(options, {
      ...(deps.solver ? { solver: deps.solver } : {}),
      closedForm: deps.closedForm !== false,
      rebalanceTimes: async () => market.rebalances.map((r) => r.t),
      policy: deps.policy?.policy,
      ...(deps.policy?.unavailableReason ? { policyUnavailableReason: deps.policy.unavailableReason } : {}),
    }),
    gasCheck: createGasCheckStage(options.gasCheck, {
      estimator: createModelGasEstimator(options.optimize.gasModel),
      rebalanceTimes: async () => market.rebalances.map((r) => r.t),
    }),
    execute: createExecuteStage({ dryRun: false }, { executor: simExecutor(market) }),
  };
  return { stages, clock };
}
