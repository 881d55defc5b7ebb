import { createAllocatorCodec } from "../adapters/execution/allocatorCodec.ts";
import { createOptimizer } from "../composition/optimizer.ts";
import type { StageOptions } from "../composition/stageOptions.ts";
import type { PoolInfo } from "../domain/dataset.ts";
import { createExecutionCore, type Execution, type ExecutionCoreOptions } from "../execution/execution.ts";
import { storeHeldNonces } from "../execution/intentStates.ts";
import { openMemoryIntentStore } from "../execution/memoryIntentStore.ts";
import { createNonceManager } from "../execution/nonces.ts";
import { createExecuteStage } from "../pipeline/execute/execute.ts";
import { createGasCheckStage } from "../pipeline/gasCheck/gasCheck.ts";
import { createModelGasEstimator, type GasModelOptions, modelGasUnits } from "../pipeline/gasCheck/gasModel.ts";
import { createIngestStage } from "../pipeline/ingest/ingest.ts";
import type { LpSolver } from "../pipeline/optimize/solver.ts";
import { createPredictStage } from "../pipeline/predict/predict.ts";
import { createRiskGateStage } from "../pipeline/riskGate/riskGate.ts";
import type { Stages } from "../pipeline/types.ts";
import type { Clock } from "../ports/clock.ts";
import type { Forecaster } from "../ports/forecaster.ts";
import type { HistoryStore } from "../ports/market.ts";
import type { PolicyChoice } from "../runtime/policy.ts";
import type { SimMarket } from "./market.ts";
import { kindOf } from "./marketMoves.ts";
import { createSimChain } from "./simChain.ts";

/** A clock that reads the simulated time (so stages judge data age against the replay, not the wall). */
export function simClock(market: { t: number }): Clock {
  return { now: () => market.t * 1000, sleep: async () => {} };
}

/** The backtest's execution: the daemon's execution core over the simulated chain, and how a tick settles. */
export interface SimExecution {
  readonly execution: Execution;
  /** The chain runs on `confirmations` blocks and the core settles: every intent of the tick reaches its end. */
  settle(): Promise<void>;
}

/**
 * The execution core (`createExecutionCore`, as the daemon builds it) over the simulated chain (`createSimChain`):
 * a memory intent store on the replay's clock, the nonce manager, the direct route. The chain's allocator applies
 * each rebalance to the simulated vault and charges the per-move gas model's units, as the gas check priced them.
 */
export async function simExecution(
  options: ExecutionCoreOptions,
  gasModel: GasModelOptions,
  market: SimMarket,
  clock: Clock,
): Promise<SimExecution> {
  const byId = new Map(market.pools.map((p) => [p.poolId, p]));
  const pool = (id: string) => byId.get(id) as PoolInfo;
  const sim = createSimChain(createAllocatorCodec(), {
    vault: market,
    sources: [...byId.keys()],
    gasUsed: (moves) =>
      modelGasUnits(
        moves,
        (id) => kindOf(pool(id)),
        gasModel,
        (id) => market.swapRoute(pool(id)) !== undefined,
      ),
    chainId: market.opts.chainId,
    keeperBalanceWei: market.keeperBalanceWei(),
  });
  const store = openMemoryIntentStore(clock.now);
  const execution = await createExecutionCore(options, {
    lc: {
      signer: sim.signer,
      chain: sim.chain,
      broadcaster: sim.broadcaster,
      store,
      nonces: createNonceManager({ chain: sim.chain, heldNonces: storeHeldNonces(store) }),
      encoder: sim.encoder,
      allocator: options.allocator,
      now: clock.now,
    },
  });
  await execution.reconcile();
  return {
    execution,
    async settle() {
      sim.advance(options.confirmations);
      await execution.settle();
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

/** What the keel pipeline is built with in a backtest (`keelOptions`): the daemon's stage and execution options. */
export interface KeelOptions {
  readonly stages: StageOptions;
  /** `backtestExecutionOptions`: the daemon's, on the direct route. */
  readonly execution: ExecutionCoreOptions;
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
 * (live it simulates the calldata), and execute sends through the daemon's execution core to the
 * simulated chain (`simExecution`), which applies each rebalance to the simulated vault.
 */
export async function keelStages(
  options: KeelOptions,
  deps: KeelStageDeps,
): Promise<SimExecution & { stages: Stages; clock: Clock }> {
  const { market, forecasters } = deps;
  const clock = simClock(market);
  const opts = options.stages;
  const sim = await simExecution(options.execution, opts.optimize.gasModel, market, clock);
  const stages: Stages = {
    ingest: createIngestStage(opts.ingest, { market, history: deps.history, clock }),
    predict: createPredictStage(opts.predict, {
      model: forecasters.model,
      ...(forecasters.modelUnavailableReason ? { modelUnavailableReason: forecasters.modelUnavailableReason } : {}),
      ...(forecasters.linear ? { linear: forecasters.linear } : {}),
      baseline: forecasters.baseline,
    }),
    riskGate: createRiskGateStage(opts.riskGate, { clock }),
    optimize: createOptimizer(opts, {
      ...(deps.solver ? { solver: deps.solver } : {}),
      closedForm: deps.closedForm !== false,
      rebalanceTimes: async () => market.rebalances.map((r) => r.t),
      policy: deps.policy?.policy,
      ...(deps.policy?.unavailableReason ? { policyUnavailableReason: deps.policy.unavailableReason } : {}),
    }),
    gasCheck: createGasCheckStage(opts.gasCheck, {
      estimator: createModelGasEstimator(opts.optimize.gasModel),
      rebalanceTimes: async () => market.rebalances.map((r) => r.t),
    }),
    execute: createExecuteStage({ dryRun: false }, { executor: sim.execution.executor }),
  };
  return { ...sim, stages, clock };
}
