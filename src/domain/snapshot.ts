import type { SourceReadings } from "./protocolPins.ts";

/** What ingest observed at one block: the only input the later stages see from the chain. */

/** Kind of a yield source; `lending` and `vault` are single-asset, `lp` is a two-token pool. */
export type SourceKind = "lending" | "vault" | "lp";

/** One allow-listed source as observed. Rates are simple annual percentages (modelling floats). */
export interface SourceState {
  /** Stable id: the adapter address live, the dataset's pool_id in backtests. */
  readonly id: string;
  readonly kind: SourceKind;
  readonly protocol: string;
  /** Underlying symbol (`USDC`), or `TOKEN0/TOKEN1` for an LP. */
  readonly asset: string;
  /** Current supply APR (lending), share-price growth APR (vault) or fee APR (lp), in %. */
  readonly aprPct: number;
  readonly tvlUsd: number;
  /** 0..1, null when the source has no notion of it. */
  readonly utilization: number | null;
  /** Our position valued in the vault's base asset, base units. */
  readonly balance: bigint;
  /** What could leave the source right now, base units. */
  readonly maxWithdraw: bigint;
  /** Optional detail for risk rules (share price of an ERC-4626 target, AMM reserves). */
  readonly sharePrice?: number;
  readonly reserves?: { readonly reserve0: number; readonly reserve1: number; readonly spotPrice: number };
  /**
   * An LP adapter's on-chain bound on its swaps (`slippageBps`): a deposit swaps about half into the pool and
   * reverts when that returns less than the oracle value minus this many bps.
   */
  readonly entrySlippageBps?: number;
  /** Pool liquidity available to leave (supply − borrows) in USD, when known. */
  readonly availableLiquidityUsd?: number;
  /**
   * A swap leg: the source holds another token than the base asset, bought and sold through this route
   * (pool fee in bps; virtual reserve of each side in USD, so a swap of a USD costs ≈ a / reserve in impact).
   */
  readonly swap?: { readonly feeBps: number; readonly virtualReserveUsd: number };
  /** A concentrated-liquidity (Uniswap v3) position's range. */
  readonly range?: LpRange;
}

/**
 * The range of a Uniswap v3 position: ticks, and prices in the same convention as `reserves.spotPrice` (token1 per
 * token0, whole tokens). Out of range, the position earns no fees and holds one token only.
 */
export interface LpRange {
  readonly tickLower: number;
  readonly tickUpper: number;
  /** The pool's current tick. */
  readonly tick: number;
  readonly inRange: boolean;
  readonly priceLower: number;
  readonly priceUpper: number;
  /** Fee APR the position earns while in range (the pool's fee growth per unit of its liquidity), %. */
  readonly inRangeAprPct: number;
  /** The adapter's on-chain range limits (live: read by ingest with the range). */
  readonly limits?: RangeLimits;
}

/** A Uniswap v3 position adapter's on-chain range limits and its pool's tick spacing. */
export interface RangeLimits {
  readonly minWidthTicks: number;
  readonly maxWidthTicks: number;
  readonly maxCentreOffsetBps: number;
  readonly minRerangeIntervalSeconds: number;
  readonly tickSpacing: number;
  /** Unix seconds of the last re-range (0: never). */
  readonly lastRerangeAt: number;
}

/** A price observation. */
export interface PriceObservation {
  readonly symbol: string;
  readonly priceUsd: number;
  /** Unix seconds of the observation's own timestamp (oracle updatedAt, dataset row time). */
  readonly updatedAt: number;
  /** Where it came from; two independent origins allow a cross-check. */
  readonly origin: "oracle" | "pool" | "dataset";
}

/** The vault's own accounting, base units. */
export interface VaultState {
  readonly totalAssets: bigint;
  readonly idle: bigint;
  readonly totalSupply: bigint;
  /** Assets per share as a float (modelling only). */
  readonly sharePrice: number;
  readonly paused: boolean;
  readonly shutdown: boolean;
  /**
   * The allocator's books, when it keeps them: Σ stored adapter values and the profit still unlocking
   * (totalAssets = idle + debt − locked). Live source balances differ from them by what is not reported yet.
   */
  readonly booked?: { readonly debt: bigint; readonly locked: bigint };
}

/** The vault's base asset. */
export interface BaseAsset {
  readonly symbol: string;
  readonly decimals: number;
  /** Price of one whole unit in USD (1 for a USD stablecoin at peg). */
  readonly priceUsd: number;
}

/** The bounds the allocator enforces on the keeper, read from the chain (bps of total assets). */
export interface KeeperBounds {
  /** Sum of all move amounts in one rebalance ≤ this share of total assets. */
  readonly maxMoveBps: number;
  readonly maxLossBps: number;
  readonly minIdleBps: number;
  readonly cooldownSeconds: number;
  readonly maxRebalancesPerDay: number;
  /** Unix seconds of the last rebalance (0 = never) and how many happened on its UTC day. */
  readonly lastRebalanceAt: number;
  readonly rebalancesToday: number;
  /** Per-source cap in bps of total assets. */
  readonly adapterCapBps: Readonly<Record<string, number>>;
}

/** Everything ingest saw at one block. */
export interface Snapshot {
  readonly chainId: number;
  readonly block: number;
  /** Block timestamp, unix seconds. */
  readonly timestamp: number;
  readonly baseAsset: BaseAsset;
  readonly vault: VaultState;
  readonly sources: readonly SourceState[];
  /** Keyed by symbol; several observations per symbol when several origins exist. */
  readonly prices: Readonly<Record<string, readonly PriceObservation[]>>;
  /** Recent base fees, oldest first, in wei. */
  readonly baseFeesWei: readonly bigint[];
  /** Suggested priority fee in wei. */
  readonly priorityFeeWei: bigint;
  /** Native token (ETH) price in USD, for costing gas. */
  readonly nativeUsd: number;
  /** Keeper account balance in wei (to check worst-case fees). */
  readonly keeperBalanceWei: bigint;
  /** On-chain keeper bounds (live); backtests without an allocator leave it out. */
  readonly keeperBounds?: KeeperBounds;
  /** Readings of each monitored source's pins, by source id, at this block (live, when pins are configured). */
  readonly protocol?: Readonly<Record<string, SourceReadings>>;
}

/** One past observation of a source, for history windows. */
export interface SourcePoint {
  /** Unix seconds. */
  readonly t: number;
  readonly aprPct: number;
  readonly tvlUsd: number;
  readonly utilization: number | null;
  readonly sharePrice?: number;
}

/** The history available at decision time: never anything after `asOf`. */
export interface HistoryWindow {
  /** Unix seconds; every point is at or before it. */
  readonly asOf: number;
  readonly sources: Readonly<Record<string, readonly SourcePoint[]>>;
  /** Price series by symbol, oldest first. */
  readonly prices: Readonly<Record<string, readonly { t: number; priceUsd: number }[]>>;
  /** Vault share price series (for drawdown). */
  readonly sharePrice: readonly { t: number; value: number }[];
  /** Exploit incidents known at `asOf` (protocol name, lower-case). */
  readonly incidents: readonly { t: number; protocol: string; lossUsd: number }[];
}
