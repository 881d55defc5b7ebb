import { createChainGuard } from "../adapters/chain/gate.ts";
import type { ChainProvider } from "../adapters/chain/provider.ts";
import { KeelAllocatorAbi } from "../adapters/ethers/abi/generated.ts";
import { rebalanceTimes } from "../adapters/ethers/killSwitch.ts";
import type { ChainMarketReader } from "../adapters/ethers/marketReader.ts";
import type { NodeErrors } from "../adapters/ethers/nodeErrors.ts";
import { typedContract } from "../adapters/ethers/typedContract.ts";
import type { AllocatorCodec } from "../adapters/execution/allocatorCodec.ts";
import { createGasEstimator } from "../adapters/execution/gasEstimator.ts";
import type { Execution } from "../adapters/execution/wiring.ts";
import { createHighsSolver } from "../adapters/highs/highsSolver.ts";
import type { KeelConfig } from "../config/schema.ts";
import type { SkillView } from "../domain/skill.ts";
import { createExecuteStage } from "../pipeline/execute/execute.ts";
import { createGasCheckStage } from "../pipeline/gasCheck/gasCheck.ts";
import { createIngestStage } from "../pipeline/ingest/ingest.ts";
import { createPredictStage } from "../pipeline/predict/predict.ts";
import { createRiskGateStage } from "../pipeline/riskGate/riskGate.ts";
import { halt, type Stage } from "../pipeline/stage.ts";
import type { Stages } from "../pipeline/types.ts";
import type { Clock } from "../ports/clock.ts";
import type { HistoryStore } from "../ports/market.ts";
import type { SkillLedgerStore } from "../ports/skillLedger.ts";
import { withStageFailpoints } from "../runtime/failpoint.ts";
import type { BuiltForecasters } from "../runtime/forecasters.ts";
import type { PolicyChoice } from "../runtime/policy.ts";
import type { DaemonKeys } from "./daemonKeys.ts";
import { createOptimizer } from "./optimizer.ts";
import type { StageOptions } from "./stageOptions.ts";
import type { Target } from "./target.ts";

/** What the daemon's stages read, sign and send with. */
export interface DaemonStageDeps {
  readonly config: KeelConfig;
  readonly target: Target;
  readonly keys: DaemonKeys;
  readonly provider: ChainProvider;
  readonly market: ChainMarketReader;
  readonly history: HistoryStore;
  /** The chain's own timeline (freshness is judged on it). */
  readonly chainClock: Clock;
  readonly ledger: SkillLedgerStore;
  readonly forecasters: BuiltForecasters;
  readonly policy: PolicyChoice;
  readonly codec: AllocatorCodec;
  readonly errors: NodeErrors;
  readonly executor: Execution["executor"];
  /** Called with the forecast skill ledger after each prediction. */
  readonly onSkill: (view: SkillView) => void;
}

/** The execute stage, observing only (no new intents) while chain access is degraded or the head stale or disputed. */
function guardedExecute(deps: DaemonStageDeps): Stages["execute"] {
  const { executor } = deps;
  const realExecute = createExecuteStage(
    { dryRun: deps.keys.dryRun, shadow: deps.keys.shadow },
    { executor, routeFor: (i) => executor.routeFor(i) },
  );
  const guard = createChainGuard(deps.provider);
  const execute: Stage<Parameters<typeof realExecute.run>[0], Awaited<ReturnType<typeof executor.execute>>> = {
    run: async (intent, signal) => {
      const stop = await guard.executionStops();
      return stop.length > 0 ? halt(stop) : realExecute.run(intent, signal);
    },
  };
  return execute;
}

/** The daemon's six stages over the chain's adapters, each behind its failpoint. */
export function buildDaemonStages(options: StageOptions, deps: DaemonStageDeps): Stages {
  const { config, target, keys, provider, chainClock, codec, errors } = deps;
  const { model, modelUnavailableReason, linear, baseline } = deps.forecasters;
  const { policy, unavailableReason: policyUnavailableReason } = deps.policy;
  const allocator = typedContract(target.allocator, KeelAllocatorAbi, provider);
  const { killSwitch } = keys;
  const plain: Stages = {
    ingest: createIngestStage(options.ingest, { market: deps.market, history: deps.history, clock: chainClock }),
    predict: createPredictStage(options.predict, {
      model,
      ...(modelUnavailableReason ? { modelUnavailableReason } : {}),
      ...(linear ? { linear } : {}),
      baseline,
      ledger: deps.ledger,
      onSkill: deps.onSkill,
    }),
    riskGate: createRiskGateStage(options.riskGate, {
      ...(killSwitch && config.risk.pauseOnTrigger && !keys.shadow ? { killSwitch } : {}),
      clock: chainClock,
    }),
    optimize: createOptimizer(options, {
      solver: createHighsSolver(),
      rebalanceTimes: () => rebalanceTimes(allocator, 7_200),
      policy,
      ...(policyUnavailableReason ? { policyUnavailableReason } : {}),
    }),
    gasCheck: createGasCheckStage(options.gasCheck, {
      estimator: createGasEstimator(
        { allocator: target.allocator, from: keys.keeperAddress },
        { provider, codec, errors },
      ),
      rebalanceTimes: () => rebalanceTimes(allocator, 7_200),
    }),
    execute: guardedExecute(deps),
  };
  return withStageFailpoints(plain);
}
