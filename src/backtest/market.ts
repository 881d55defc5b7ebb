import { mulDiv, toFloat } from "../domain/amounts.ts";
import { asOf, type Dataset, type PoolInfo, timeWeightedMean } from "../domain/dataset.ts";
import type { Move } from "../domain/decision.ts";
import type { PriceObservation, Snapshot, SourceKind, SourceState } from "../domain/snapshot.ts";
import { aprAfterSupplyChange, type KinkedIrm, type SwapRoute, utilizationAfter } from "../pipeline/optimize/impact.ts";
import type { MarketReader } from "../ports/market.ts";
import { applyRebalance, kindOf, moveCost } from "./marketMoves.ts";
import type { DatasetPrices } from "./prices.ts";

const YEAR = 365 * 86_400;
const SCALE = 1_000_000_000_000n;

/** Options of the simulated market. */
export interface SimMarketOptions {
  /** The chain the snapshots say they come from (the configured chain id). */
  readonly chainId: number;
  readonly baseAsset: string;
  readonly decimals: number;
  readonly capitalUnits: bigint;
  /** A rate older than this reads as stale: the source is absent unless we hold it. */
  readonly maxRateAgeSeconds: number;
  readonly slippageBps: Readonly<Record<SourceKind, number>>;
  readonly priorityFeeGwei: number;
  /** Keeper balance reported in snapshots (the backtest does not model it running dry). */
  readonly keeperBalanceWei?: bigint;
  /** Swap routes from the base asset, by token: a lending pool of another token is a swap leg through one. */
  readonly swapRoutes?: Readonly<Record<string, SwapRoute>>;
  /** The lending markets' rate model: with it, the vault's own supply moves their rate (own impact). */
  readonly irmOf?: (poolId: string) => KinkedIrm | undefined;
}

/** What one applied rebalance did: amounts, and the costs charged to the strategy. */
export interface AppliedRebalance {
  readonly t: number;
  readonly moves: Move[];
  readonly gasUsd: number;
  /** The same gas in base-asset units at the time it was paid. */
  readonly gasBase: number;
  readonly slippageUsd: number;
  /** Of the slippage, what the swap legs cost: pool fee and price impact, USD. */
  readonly swapCostUsd: number;
  /** Signed change per source, base units as floats (for the realised-gain score). */
  readonly deltas: Record<string, number>;
}

/**
 * A vault over historical data: positions are held in units of each source's asset and valued at the
 * last known prices (so depegs move their value), accrue the time-weighted realised rate between steps,
 * and pay slippage on every move and gas (the day's average gas price, in ETH at the last known close)
 * per rebalance. `observe` only ever reads what is known at the current time (`data`, the known view).
 */
export class SimMarket implements MarketReader {
  readonly opts: SimMarketOptions;
  /** The dataset as known at each time (`knownView`): what decisions read. */
  readonly data: Dataset;
  /** The dataset as it happened: what accrues. */
  readonly realised: Dataset;
  readonly prices: DatasetPrices;
  readonly pools: readonly PoolInfo[];
  /** Current time, unix seconds. */
  t = 0;
  idle: bigint;
  /** Position per source in asset units scaled to the base asset's decimals. */
  readonly units = new Map<string, bigint>();
  /** Cumulative gas paid by the keeper for this strategy, USD. */
  gasUsd = 0;
  /** The same, in base-asset units at the price of each payment. */
  gasBase = 0;
  readonly rebalances: AppliedRebalance[] = [];
  private block = 0;

  constructor(pools: readonly PoolInfo[], prices: DatasetPrices, opts: SimMarketOptions) {
    this.data = prices.known;
    this.realised = prices.realised;
    this.pools = pools;
    this.prices = prices;
    this.opts = opts;
    this.idle = opts.capitalUnits;
    for (const p of pools) this.units.set(p.poolId, 0n);
  }

  /** What the keeper holds (1 000 ETH unless set: the backtest does not model it running dry). */
  keeperBalanceWei(): bigint {
    return this.opts.keeperBalanceWei ?? 1_000n * 10n ** 18n;
  }

  /** USD price of one base-asset unit now. */
  basePrice(t = this.t): number {
    return this.prices.token(this.opts.baseAsset, t) ?? 1;
  }

  /** The swap route of a lending pool of another token than the base asset (a swap leg), else undefined. */
  swapRoute(pool: PoolInfo): SwapRoute | undefined {
    if (pool.kind !== "lending") return undefined;
    const asset = pool.asset.toUpperCase();
    if (asset === this.opts.baseAsset.toUpperCase()) return undefined;
    return this.opts.swapRoutes?.[asset];
  }

  /**
   * USD price of one unit of a source's asset: a swap leg's token at its last known price (never at par: a
   * price older than the freshness limit is counted in `prices.staleReads`), any other as `prices.unit`.
   */
  unitPrice(pool: PoolInfo, t = this.t): number | undefined {
    return this.swapRoute(pool) ? this.prices.lastKnown(pool.asset, t) : this.prices.unit(pool, t);
  }

  /** Value of our position in a source, base units, at the current prices. */
  balance(pool: PoolInfo, t = this.t): bigint {
    const units = this.units.get(pool.poolId) ?? 0n;
    if (units === 0n) return 0n;
    const ratio = (this.unitPrice(pool, t) ?? 0) / this.basePrice(t);
    return mulDiv(units, BigInt(Math.round(ratio * 1e12)), SCALE);
  }

  /** Our position in a source in USD (for its own impact on the market). */
  private positionUsd(pool: PoolInfo, t: number): number {
    return toFloat(this.balance(pool, t), this.opts.decimals) * this.basePrice(t);
  }

  /**
   * A rate observation as the market would show it with our position in it: the dataset's rows are what the
   * market paid without the vault, so our supply raises its TVL, lowers its utilisation and its rate (own impact).
   */
  withOwnSupply<R extends { aprPct: number; tvlUsd: number; utilization: number | null }>(
    pool: PoolInfo,
    r: R,
    ourUsd: number,
  ): R {
    const irm = pool.kind === "lending" ? this.opts.irmOf?.(pool.poolId) : undefined;
    if (!irm || !(ourUsd > 0)) return r;
    return {
      ...r,
      aprPct: aprAfterSupplyChange(r, 0, ourUsd, irm),
      tvlUsd: r.tvlUsd + ourUsd,
      utilization: utilizationAfter(r, 0, ourUsd),
    };
  }

  /** Total assets of the vault in base units (gas is paid by the keeper, not the vault). */
  totalAssets(t = this.t): bigint {
    let total = this.idle;
    for (const p of this.pools) total += this.balance(p, t);
    return total;
  }

  /** The strategy's net value in USD: vault assets less the gas its keeper spent. */
  netValueUsd(t = this.t): number {
    return toFloat(this.totalAssets(t), this.opts.decimals) * this.basePrice(t) - this.gasUsd;
  }

  /** The strategy's net value in whole base-asset units (what the vault's share price measures). */
  netValue(t = this.t): number {
    return toFloat(this.totalAssets(t), this.opts.decimals) - this.gasBase;
  }

  /** The last rate point at or before `t` (fresh or not), or undefined before the series starts. */
  ratePoint(poolId: string, t = this.t) {
    return asOf(this.data.rates.get(poolId) ?? [], t, Number.POSITIVE_INFINITY);
  }

  /**
   * Whether a source is observable now: a fresh rate (and, for a swap leg, a fresh price of its token: the
   * adapter sets minOut from the oracle, so without one it cannot swap in), or a position we still hold.
   */
  isLive(pool: PoolInfo, t = this.t): boolean {
    if ((this.units.get(pool.poolId) ?? 0n) > 0n) return true;
    const p = asOf(this.data.rates.get(pool.poolId) ?? [], t, this.opts.maxRateAgeSeconds);
    if (p === undefined) return false;
    return !this.swapRoute(pool) || this.prices.fresh(pool.asset, t);
  }

  /** What could leave a source now: our balance, limited by the pool's free liquidity when known. */
  maxWithdraw(pool: PoolInfo, t = this.t): bigint {
    const bal = this.balance(pool, t);
    const r = this.ratePoint(pool.poolId, t);
    if (!r || r.utilization === null || pool.kind === "lp") return bal;
    const freeUsd = Math.max(0, r.tvlUsd * (1 - Math.min(1, r.utilization)));
    // (× (1 + 1e-12): 1e6 × (1 − 0.9) is 99 999.999… in floating point)
    const freeUnits =
      BigInt(Math.floor((freeUsd / this.basePrice(t)) * 10 ** Math.min(this.opts.decimals, 9) * (1 + 1e-12))) *
      10n ** BigInt(Math.max(this.opts.decimals - 9, 0));
    return freeUnits < bal ? freeUnits : bal;
  }

  /** The snapshot ingest sees at the current time. */
  async observe(): Promise<Snapshot> {
    const t = this.t;
    const sources: SourceState[] = [];
    const symbols = new Set<string>([this.opts.baseAsset.toUpperCase(), "ETH"]);
    for (const pool of this.pools) {
      if (!this.isLive(pool, t)) continue;
      const raw = this.ratePoint(pool.poolId, t);
      for (const s of pool.asset.toUpperCase().split("/")) symbols.add(s);
      const balance = this.balance(pool, t);
      const free = raw && raw.utilization !== null ? raw.tvlUsd * (1 - Math.min(1, raw.utilization)) : undefined;
      const r = raw ? this.withOwnSupply(pool, raw, this.positionUsd(pool, t)) : undefined;
      const swap = this.swapRoute(pool);
      sources.push({
        id: pool.poolId,
        kind: kindOf(pool),
        protocol: pool.protocol,
        asset: pool.asset,
        aprPct: r?.aprPct ?? 0,
        tvlUsd: r?.tvlUsd ?? 0,
        utilization: r?.utilization ?? null,
        balance,
        maxWithdraw: this.maxWithdraw(pool, t),
        ...(free !== undefined ? { availableLiquidityUsd: free } : {}),
        ...(swap ? { swap } : {}),
      });
    }
    const prices: Record<string, PriceObservation[]> = {};
    for (const s of symbols) {
      const obs = this.prices.observation(s, t);
      const priceUsd = obs?.priceUsd ?? this.prices.token(s, t);
      if (priceUsd === undefined) continue;
      prices[s] = [{ symbol: s, priceUsd, updatedAt: obs?.t ?? t, origin: "dataset" }];
    }
    const gwei = this.prices.knownGasGwei(t);
    const priority = Math.min(this.opts.priorityFeeGwei, gwei);
    const baseWei = BigInt(Math.round((gwei - priority) * 1e9));
    const total = this.totalAssets(t);
    this.block += 1;
    return {
      chainId: this.opts.chainId,
      block: this.block,
      timestamp: t,
      baseAsset: { symbol: this.opts.baseAsset, decimals: this.opts.decimals, priceUsd: this.basePrice(t) },
      vault: {
        totalAssets: total,
        idle: this.idle,
        totalSupply: this.opts.capitalUnits,
        sharePrice: toFloat(total, this.opts.decimals) / toFloat(this.opts.capitalUnits, this.opts.decimals),
        paused: false,
        shutdown: false,
      },
      sources,
      prices,
      baseFeesWei: [baseWei],
      priorityFeeWei: BigInt(Math.round(priority * 1e9)),
      nativeUsd: this.prices.eth(t),
      keeperBalanceWei: this.keeperBalanceWei(),
    };
  }

  /**
   * Accrues each position's realised rate over [t, t + dt), time-weighted (a rate holds from its row until
   * the next), and moves the clock to t + dt.
   */
  advance(dt: number): void {
    const t = this.t;
    for (const pool of this.pools) {
      const units = this.units.get(pool.poolId) ?? 0n;
      if (units === 0n) continue;
      const series = this.realised.rates.get(pool.poolId) ?? [];
      let apr = timeWeightedMean(series, t, t + dt);
      const at = this.opts.irmOf ? asOf(series, t, Number.POSITIVE_INFINITY) : undefined;
      if (at) apr = this.withOwnSupply(pool, { ...at, aprPct: apr }, this.positionUsd(pool, t)).aprPct;
      const growth = Math.max(-1, (apr / 100) * (dt / YEAR));
      this.units.set(pool.poolId, units + mulDiv(units, BigInt(Math.round(growth * 1e12)), SCALE));
    }
    this.t = t + dt;
  }

  /**
   * Applies moves (withdrawals first) with slippage and charges `gasUnits` at the current gas price.
   * Withdrawals are limited to what can leave now; deposits to the idle cash. Returns what happened.
   */
  apply(moves: readonly Move[], gasUnits: bigint): AppliedRebalance {
    return applyRebalance(this, moves, gasUnits);
  }

  /** What moving `amount` (base units) in or out of a source costs, base units (see `moveCost`). */
  moveCost(pool: PoolInfo, amount: bigint, basePriceUsd: number): { cost: bigint; swapCost: bigint } {
    return moveCost(this, pool, amount, basePriceUsd);
  }

  /** Current weight of each source (0..1 of total assets). */
  weights(t = this.t): Record<string, number> {
    const total = toFloat(this.totalAssets(t), this.opts.decimals);
    const out: Record<string, number> = {};
    for (const p of this.pools) out[p.poolId] = total > 0 ? toFloat(this.balance(p, t), this.opts.decimals) / total : 0;
    return out;
  }
}
