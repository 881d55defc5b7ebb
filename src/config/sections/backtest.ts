import { z } from "zod";

/** Symbols valued at $1 when the dataset has no price rows for them. */
const STABLECOINS = ["USDC", "USDT", "DAI", "USDE", "USDS", "FRAX", "LUSD", "GUSD", "TUSD", "USDP", "BUSD"];

/**
 * Protocols the vault has adapters for, by kind of source (the keel contracts): `AaveV3Adapter` supplies
 * the base asset to an Aave v3 pool (Aave v2's pool has no `supply`), `ERC4626Adapter` takes any ERC-4626
 * vault of the base asset (`*`), `UniswapV2LpAdapter` provides base-asset/other liquidity to a Uniswap v2
 * pair (not a v3 position). `SwapLendingAdapter` swaps the base asset into another token through an on-chain
 * route (`swapRoutes`) and supplies it to a lending pool of a protocol in `swapLending`.
 */
const adaptersSection = z
  .strictObject({
    lending: z.array(z.string().min(1)).default(["aave-v3"]),
    swapLending: z.array(z.string().min(1)).default(["aave-v3"]),
    vault: z.array(z.string().min(1)).default(["*"]),
    lp: z.array(z.string().min(1)).default(["uniswap-v2"]),
  })
  .prefault({});

/**
 * Risk limits replaced in a replay because they describe the data's resolution, not the strategy: the
 * dataset's prices are daily closes (known when the day ends), where a live oracle updates within its
 * heartbeat. Every other stage option is the daemon's.
 */
const dataResolutionSection = z
  .strictObject({
    maxDataAgeSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(86_400),
    oracleHeartbeatSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(3 * 86_400),
  })
  .prefault({});

/** A swap route of the simulated chain (a Uniswap v3 pool between the base asset and the token, in range). */
const swapRouteSchema = z.strictObject({
  /** Pool fee, bps. */
  feeBps: z.number().min(0).max(1_000),
  /** Virtual reserve of each side, USD: price impact of a swap of a ≈ a / reserve (constant product). */
  virtualReserveUsd: z.number().positive(),
});

/**
 * Routes from the base asset to each token a swap leg may hold. Default: the Uniswap v3 0.01 % stablecoin
 * pools; their in-range liquidity on mainnet in 2023-2024 held tens of millions of USD within a few ticks of
 * the peg, taken as a $40 B virtual reserve (about $2 M moves the price 1 bp; $1 M costs 0.25 bp of impact).
 */
const swapRoutesSection = z.record(z.string().min(1), swapRouteSchema).default({
  USDT: { feeBps: 1, virtualReserveUsd: 40e9 },
  DAI: { feeBps: 1, virtualReserveUsd: 40e9 },
  USDE: { feeBps: 1, virtualReserveUsd: 10e9 },
});

/**
 * `keel backtest`: the vault replayed (its base asset is read from the chain live, so it is stated here),
 * the sources it can reach, and the reference strategies' rules. The keeper itself is the rest of the
 * config, exactly as the daemon runs it.
 */
export const backtestSection = z
  .strictObject({
    baseAsset: z.string().min(1).default("USDC"),
    decimals: z.number().int().min(0).max(18).default(6),
    /**
     * Pool ids of the vault's sources; default every pool the adapters reach (`adapters`): a lending or
     * vault pool of the base asset itself, or an LP pair holding it. A listed pool they cannot reach is refused.
     */
    sources: z.array(z.string().min(1)).optional(),
    adapters: adaptersSection,
    swapRoutes: swapRoutesSection,
    /**
     * The vault's own supply moves the simulated lending markets: their utilisation falls and their rate
     * follows `strategy.ownImpact`'s model (the dataset's rates are what the market paid without the vault).
     */
    ownImpact: z.boolean().default(true),
    stablecoins: z.array(z.string().min(1)).default(STABLECOINS),
    /** A rate or price row older than this is stale (the source reads as missing; gas and ETH fail), seconds. */
    maxRateAgeSeconds: z
      .number()
      .int()
      .min(3_600)
      .default(3 * 86_400),
    dataResolution: dataResolutionSection,
    /** Priority fee assumed on top of the dataset's gas price, gwei (the series is the price paid). */
    priorityFeeGwei: z.number().min(0).default(1),
    /** Reference strategies: rebalancing periods (days), greedy's trailing window, static-mvo's fit window. */
    equalRebalanceDays: z.number().int().min(1).default(30),
    greedyRebalanceDays: z.number().int().min(1).default(7),
    greedyTrailingDays: z.number().int().min(1).default(7),
    staticMvoRebalanceDays: z.number().int().min(1).default(30),
    staticMvoFitDays: z.number().int().min(7).default(180),
    /**
     * `topk`: its current rate is the time-weighted mean over this many hours, and an outside source replaces
     * a held one only when that rate is higher by `topkHysteresisPct` points (chosen on 2023-01..06).
     */
    topkWindowHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(24),
    topkHysteresisPct: z.number().min(0).max(100).default(1),
  })
  .prefault({});

/** The validated backtest section. */
export type BacktestSection = z.infer<typeof backtestSection>;
