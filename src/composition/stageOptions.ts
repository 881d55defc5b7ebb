import type { KeelConfig } from "../config/schema.ts";
import type { BaselineName } from "../ml/baselines.ts";
import type { GasOptions } from "../pipeline/gasCheck/gasCheck.ts";
import type { IngestOptions } from "../pipeline/ingest/ingest.ts";
import type { OptimizeOptions } from "../pipeline/optimize/optimize.ts";
import type { PredictOptions } from "../pipeline/predict/predict.ts";
import type { RiskOptions } from "../pipeline/riskGate/riskGate.ts";

/** Facts about the vault that the config does not hold (live they are read from the chain). */
export interface VaultFacts {
  readonly baseAsset: { readonly symbol: string; readonly decimals: number };
}

/** The forecasters the predict stage chooses among: the model, the linear model and the baseline. */
export interface ForecasterChoice {
  readonly path: string;
  readonly linearPath: string;
  readonly baseline: "best" | BaselineName;
}

/** Which optimizer picks the target weights (`strategy.optimizer`), and the policy file for `policy`. */
export interface OptimizerChoice {
  readonly optimizer: "rule" | "policy";
  readonly path: string;
}

/** Everything the decision stages are built with, from one config: the daemon and the backtest share it. */
export interface StageOptions {
  readonly ingest: IngestOptions;
  readonly predict: PredictOptions;
  readonly riskGate: RiskOptions;
  readonly optimize: OptimizeOptions;
  readonly gasCheck: GasOptions;
  readonly forecaster: ForecasterChoice;
  readonly optimizer: OptimizerChoice;
}

/**
 * The options of ingest, predict, riskGate, optimize and gasCheck, and the forecaster choice, from a
 * config and the vault's base asset. Ingest hands on `state.historyDays` of history; the risk gate takes
 * the strategy's weight cap and idle buffer; the optimizer values one base-asset unit at $1 when the
 * snapshot carries no price. `optimizer` says whether the rule or the learned policy optimizes.
 */
export function stageOptions(config: KeelConfig, vault: VaultFacts): StageOptions {
  const { strategy, risk, model } = config;
  return {
    ingest: {
      expectedChainId: config.chain.chainId,
      maxDataAgeSeconds: risk.maxDataAgeSeconds,
      lookbackSeconds: config.state.historyDays * 86_400,
      maxAccountingGapBps: 1,
    },
    predict: { horizonDays: strategy.horizonDays, skill: model.skill, calibration: model.calibration },
    riskGate: {
      ...risk,
      maxWeightPerSourceBps: strategy.maxWeightPerSourceBps,
      minIdleBps: strategy.minIdleBps,
      baseAsset: vault.baseAsset.symbol,
      monitor: { critical: config.monitor.critical, sources: config.monitor.sources },
    },
    optimize: { ...strategy, decimals: vault.baseAsset.decimals, basePriceUsd: 1 },
    gasCheck: strategy,
    forecaster: { path: model.path, linearPath: model.linearPath, baseline: model.baseline },
    optimizer: { optimizer: strategy.optimizer, path: strategy.policyPath },
  };
}
