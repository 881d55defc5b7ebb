import type { StrategyConfig } from "../config/sections/strategy.ts";
import { createExecuteStage } from "../pipeline/execute/execute.ts";
import { createGasCheckStage } from "../pipeline/gasCheck/gasCheck.ts";
import { createModelGasEstimator } from "../pipeline/gasCheck/gasModel.ts";
import { createIngestStage } from "../pipeline/ingest/ingest.ts";
import { createOptimizeStage } from "../pipeline/optimize/optimize.ts";
import type { LpSolver } from "../pipeline/optimize/solver.ts";
import { createPredictStage } from "../pipeline/predict/predict.ts";
import { createRiskGateStage, type RiskOptions } from "../pipeline/riskGate/riskGate.ts";
import type { Stages } from "../pipeline/types.ts";
import type { Clock } from "../ports/clock.ts";
import type { Executor } from "../ports/execution.ts";
import type { Forecaster } from "../ports/forecaster.ts";
import type { HistoryStore } from "../ports/market.ts";
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

/** What the keel pipeline needs in a backtest. */
export interface KeelStageDeps {
  readonly market: SimMarket;
  readonly history: HistoryStore;
  readonly baseline: Forecaster;
  readonly model?: Forecaster;
  readonly solver?: LpSolver;
}

/**
 * The six stages of the live daemon, wired to the simulated market: the very same predict, riskGate,
 * optimize and gasCheck code, with ingest reading the replay, the per-move gas model and a simulated
 * executor.
 */
export function keelStages(
  opts: { strategy: StrategyConfig; risk: RiskOptions; decimals: number; lookbackSeconds: number },
  deps: KeelStageDeps,
): { stages: Stages; clock: Clock } {
  const { market } = deps;
  const clock = simClock(market);
  const s = opts.strategy;
  const stages: Stages = {
    ingest: createIngestStage(
      { expectedChainId: 1, maxDataAgeSeconds: 86_400, lookbackSeconds: opts.lookbackSeconds, maxAccountingGapBps: 1 },
      { market, history: deps.history, clock },
    ),
    predict: createPredictStage(
      { horizonDays: s.horizonDays },
      deps.model
        ? { model: deps.model, baseline: deps.baseline }
        : { model: undefined, modelUnavailableReason: "backtest without a model", baseline: deps.baseline },
    ),
    riskGate: createRiskGateStage(opts.risk, { clock }),
    optimize: createOptimizeStage(
      { ...s, decimals: opts.decimals, basePriceUsd: 1 },
      deps.solver ? { solver: deps.solver } : {},
    ),
    gasCheck: createGasCheckStage(s, {
      estimator: createModelGasEstimator(s.gasModel),
      rebalanceTimes: async () => market.rebalances.map((r) => r.t),
    }),
    execute: createExecuteStage({ dryRun: false }, { executor: simExecutor(market) }),
  };
  return { stages, clock };
}
