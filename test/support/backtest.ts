import { type BacktestConfig, backtestConfigSchema, backtestRisk } from "../../src/backtest/config.ts";
import type { StrategyName } from "../../src/backtest/engine.ts";
import { type BacktestResult, runBacktest } from "../../src/backtest/run.ts";
import type { Dataset, PoolInfo, RatePoint } from "../../src/domain/dataset.ts";
import { createBaseline } from "../../src/ml/baselines.ts";
import type { LpSolver } from "../../src/pipeline/optimize/solver.ts";
import type { Forecaster } from "../../src/ports/forecaster.ts";

/** 2024-01-01T00:00:00Z. */
export const T0 = 1_704_067_200;
export const DAY = 86_400;

/** A dataset of USDC lending sources whose daily rates and gas come from functions of the day index. */
export function scriptedDataset(o: {
  days: number;
  rates: Record<string, (day: number) => number>;
  gasGwei?: (day: number) => number;
  stablePrice?: (symbol: string, day: number) => number;
}): Dataset {
  const pools: PoolInfo[] = Object.keys(o.rates).map((id) => ({
    poolId: id,
    protocol: "aave-v3",
    kind: "lending",
    asset: "USDC",
    chain: "ethereum",
    feeTierPct: null,
  }));
  const rates = new Map<string, RatePoint[]>();
  for (const [id, f] of Object.entries(o.rates)) {
    rates.set(
      id,
      Array.from({ length: o.days }, (_v, d) => ({ t: T0 + d * DAY, aprPct: f(d), tvlUsd: 5e8, utilization: 0.8 })),
    );
  }
  const days = Array.from({ length: o.days }, (_v, d) => d);
  return {
    pools,
    rates,
    prices: new Map([
      ["USDC", days.map((d) => ({ t: T0 + d * DAY, priceUsd: o.stablePrice?.("USDC", d) ?? 1 }))],
      ["ETH", days.map((d) => ({ t: T0 + d * DAY, priceUsd: 2_000 }))],
    ]),
    gas: days.map((d) => ({ t: T0 + d * DAY, gwei: o.gasGwei?.(d) ?? 25 })),
    incidents: [],
    cleaning: {},
  };
}

/** Runs a daily backtest over `data` from day `fromDay` to `toDay` with a config override. */
export async function backtestOver(
  data: Dataset,
  o: {
    fromDay: number;
    toDay: number;
    capitalUsd?: number;
    strategies?: StrategyName[];
    config?: Record<string, unknown>;
    solver?: LpSolver;
    baseline?: Forecaster;
  },
): Promise<BacktestResult & { config: BacktestConfig }> {
  const config = backtestConfigSchema.parse({ forecaster: "persistence", lookbackDays: 60, ...o.config });
  const risk = {
    ...backtestRisk(config),
    maxWeightPerSourceBps: config.strategy.maxWeightPerSourceBps,
    minIdleBps: config.strategy.minIdleBps,
    baseAsset: config.baseAsset,
  };
  const result = await runBacktest(
    {
      start: T0 + o.fromDay * DAY,
      end: T0 + o.toDay * DAY,
      stepSeconds: DAY,
      capitalUsd: o.capitalUsd ?? 1_000_000,
      strategies: o.strategies ?? ["keel"],
      config,
      risk,
      configHash: "test",
    },
    {
      data,
      pools: data.pools,
      baseline: o.baseline ?? createBaseline(config.forecaster),
      ...(o.solver ? { solver: o.solver } : {}),
    },
    new AbortController().signal,
  );
  return { ...result, config };
}

/** Day index of each of a run's rebalances. */
export function rebalanceDays(result: BacktestResult, strategy: StrategyName = "keel"): number[] {
  return (result.runs.find((r) => r.name === strategy)?.rebalances ?? []).map((r) => Math.round((r.t - T0) / DAY));
}
