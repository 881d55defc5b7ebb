import { z } from "zod";
import { riskSection } from "../config/sections/risk.ts";
import { strategySection } from "../config/sections/strategy.ts";
import type { Dataset, PoolInfo } from "../domain/dataset.ts";

/** Symbols treated as USD stablecoins (valued at peg when the dataset has no price rows for them). */
export const DEFAULT_STABLECOINS = [
  "USDC",
  "USDT",
  "DAI",
  "USDE",
  "USDS",
  "FRAX",
  "LUSD",
  "GUSD",
  "TUSD",
  "USDP",
  "BUSD",
];

/**
 * The backtest's vault: base asset, allowed sources, strategy and risk limits (`--config F`, JSON or
 * YAML). Defaults: a USDC vault over the dataset's stablecoin lending sources.
 */
export const backtestConfigSchema = z
  .strictObject({
    baseAsset: z.string().min(1).default("USDC"),
    decimals: z.number().int().min(0).max(18).default(6),
    /** Pool ids; default every lending/vault pool whose asset is a stablecoin. */
    sources: z.array(z.string().min(1)).optional(),
    stablecoins: z.array(z.string().min(1)).default(DEFAULT_STABLECOINS),
    /**
     * model.onnx for `keel`'s predict stage (model.json beside it). Refused when the model saw data
     * after the backtest's start (its `training.dataBefore`), which would be look-ahead.
     */
    modelPath: z.string().min(1).optional(),
    /**
     * Baseline forecaster used by `keel` when no model is given (and as the model's fallback). `arima`
     * was chosen on 2021-06-01..2023-02-28 among persistence / mean / ema / arima at default settings.
     */
    forecaster: z.enum(["persistence", "mean", "ema", "arima"]).default("arima"),
    /** History handed to the stages, days. */
    lookbackDays: z.number().int().min(7).max(730).default(130),
    /** A rate older than this is stale (the source reads as missing), seconds. */
    maxRateAgeSeconds: z
      .number()
      .int()
      .min(3_600)
      .default(3 * 86_400),
    /** Baseline rebalancing periods, days. */
    equalRebalanceDays: z.number().int().min(1).default(30),
    greedyRebalanceDays: z.number().int().min(1).default(7),
    staticMvoRebalanceDays: z.number().int().min(1).default(30),
    /** Trailing window for `greedy`'s rate, days. */
    greedyTrailingDays: z.number().int().min(1).default(7),
    /** Priority fee assumed on top of the dataset's gas price, gwei (the series is the price paid). */
    priorityFeeGwei: z.number().min(0).default(1),
    /** Risk-free rate for Sharpe and Sortino, % per year. */
    riskFreePct: z.number().min(0).max(100).default(0),
    strategy: strategySection,
    risk: z.record(z.string(), z.unknown()).default({}),
  })
  .prefault({});

/** A validated backtest config. */
export type BacktestConfig = z.infer<typeof backtestConfigSchema>;

/** Risk-gate overrides that make sense for a dataset (daily price rows, no chain). */
export const BACKTEST_RISK_DEFAULTS: Record<string, unknown> = {
  maxDataAgeSeconds: 86_400,
  oracleHeartbeatSeconds: 3 * 86_400,
};

/** Parses the risk section for the backtest (dataset defaults first, then the file's `risk`). */
export function backtestRisk(cfg: BacktestConfig): z.infer<typeof riskSection> {
  return riskSection.parse({ ...BACKTEST_RISK_DEFAULTS, ...cfg.risk });
}

/** How each configured source is valued; the counts go into the output so the assumption is visible. */
export interface SourceSelection {
  readonly pools: PoolInfo[];
  /** Sources whose asset has no price rows and is a stablecoin: valued at $1. */
  readonly valuedAtPeg: string[];
  /** Sources whose asset has no price rows and is not a stablecoin: left out. */
  readonly excludedNoPrice: string[];
  /** Configured ids not in pools.csv. */
  readonly unknown: string[];
}

/** Picks the sources of the vault and records how each one is priced. */
export function selectSources(data: Dataset, cfg: BacktestConfig): SourceSelection {
  const stable = new Set(cfg.stablecoins.map((s) => s.toUpperCase()));
  const byId = new Map(data.pools.map((p) => [p.poolId, p]));
  const wanted =
    cfg.sources ??
    data.pools
      .filter((p) => (p.kind === "lending" || p.kind === "vault") && stable.has(p.asset.toUpperCase()))
      .map((p) => p.poolId);
  const pools: PoolInfo[] = [];
  const valuedAtPeg: string[] = [];
  const excludedNoPrice: string[] = [];
  const unknown: string[] = [];
  for (const id of wanted) {
    const pool = byId.get(id);
    if (!pool) {
      unknown.push(id);
      continue;
    }
    const symbols = pool.asset.toUpperCase().split("/");
    const unpriced = symbols.filter((s) => (data.prices.get(s)?.length ?? 0) === 0);
    if (unpriced.length === 0) pools.push(pool);
    else if (unpriced.every((s) => stable.has(s))) {
      pools.push(pool);
      valuedAtPeg.push(id);
    } else excludedNoPrice.push(id);
  }
  return { pools, valuedAtPeg, excludedNoPrice, unknown };
}
