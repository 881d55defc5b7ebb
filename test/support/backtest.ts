import pino from "pino";
import type { StrategyName } from "../../src/backtest/engine.ts";
import { type BacktestResult, runBacktest } from "../../src/backtest/run.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { KeelConfig } from "../../src/config/schema.ts";
import type { Dataset, PoolInfo, RatePoint } from "../../src/domain/dataset.ts";
import type { LpSolver } from "../../src/pipeline/optimize/solver.ts";
import type { Forecaster } from "../../src/ports/forecaster.ts";
import { buildForecasters } from "../../src/runtime/forecasters.ts";
import { buildPolicy } from "../../src/runtime/policy.ts";

/** 2024-01-01T00:00:00Z. */
export const T0 = 1_704_067_200;
export const DAY = 86_400;

/** An Aave v3 lending pool of `asset` on Ethereum. */
export function lendingPool(poolId: string, asset: string): PoolInfo {
  return { poolId, protocol: "aave-v3", kind: "lending", asset, chain: "ethereum", feeTierPct: null };
}

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

/** Merges plain objects (overrides win); arrays and values are replaced. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** The test default: the daemon's defaults, no model file (the persistence baseline serves), 60 days of history. */
const TEST_CONFIG = {
  model: { path: "/nonexistent/keel-test/model.onnx", baseline: "persistence" },
  state: { historyDays: 60 },
};

/**
 * Runs a backtest over `data` from day `fromDay` to `toDay` (daily steps unless `stepSeconds`), with a
 * keel config override (the daemon's config file format), as `keel backtest` does.
 */
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
    stepSeconds?: number;
    /** policy.onnx for keel-rl (loaded as the daemon loads it, refused when trained on later data). */
    policyPath?: string;
  },
): Promise<BacktestResult & { config: KeelConfig }> {
  const loaded = parseConfig(merge(TEST_CONFIG, o.config ?? {}), "test");
  const { config } = loaded;
  const start = T0 + o.fromDay * DAY;
  const built = await buildForecasters(
    { ...config.model, notTrainedAfter: start },
    { logger: pino({ level: "silent" }) },
  );
  const policy = o.policyPath
    ? await buildPolicy(
        { optimizer: "policy", path: o.policyPath, notTrainedAfter: start },
        { logger: pino({ level: "silent" }) },
      )
    : undefined;
  const result = await runBacktest(
    {
      start,
      end: T0 + o.toDay * DAY,
      stepSeconds: o.stepSeconds ?? DAY,
      capitalUsd: o.capitalUsd ?? 1_000_000,
      strategies: o.strategies ?? ["keel"],
      config,
      configHash: loaded.hash,
    },
    {
      data,
      pools: data.pools,
      forecasters: { ...built, ...(o.baseline ? { baseline: o.baseline } : {}) },
      ...(policy ? { policy } : {}),
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
