import { Contract, type JsonRpcApiProvider } from "ethers";
import type PQueue from "p-queue";
import { toFloat } from "../../domain/amounts.ts";
import { KeelError } from "../../domain/errors.ts";
import type { SourcePins } from "../../domain/protocolPins.ts";
import type { PriceObservation, Snapshot, SourceKind, SourcePoint, SourceState } from "../../domain/snapshot.ts";
import type { MarketReader } from "../../ports/market.ts";
import {
  AAVE_POOL_ABI,
  ADAPTER_ABI,
  AGGREGATOR_ABI,
  ALLOCATOR_ABI,
  ERC20_ABI,
  ERC4626_ABI,
  UNIV2_PAIR_ABI,
  VAULT_ABI,
} from "./abis.ts";
import { type AdapterMeta, readAdapterMeta } from "./adapterMeta.ts";
import { readKeeperBounds } from "./keeperBounds.ts";
import { createProtocolReader } from "./protocolReader.ts";
import { type IndexPoint, RateTracker } from "./rateTracker.ts";
import { type AccrualOf, readUniswapV3Source } from "./uniswapV3Source.ts";

export interface ChainMarketOptions {
  readonly chainId: number;
  readonly vault: string;
  /** Keeper account, for its balance. */
  readonly keeper: string;
  /** Chainlink-compatible feeds by symbol. */
  readonly oracles: Readonly<Record<string, string>>;
  /** The symbol whose feed prices gas (the chain's native token). */
  readonly nativeSymbol: string;
  /** Rates of share-price sources are measured over this much chain time. */
  readonly rateWindowSeconds: number;
  /** On a fresh start, rates are first measured against this many blocks back (archive reads). */
  readonly rateLookbackBlocks: number;
  /** Blocks of eth_feeHistory. */
  readonly feeHistoryBlocks: number;
  /** Protocol pins to read every tick at the snapshot's block (none: no `protocol` in the snapshot). */
  readonly monitor?: readonly SourcePins[];
}

type RateOf = (id: string, now: IndexPoint, readPast: () => Promise<IndexPoint | undefined>) => Promise<number>;

/** The market at a past block (history backfill). */
export interface PastMarket {
  readonly block: number;
  /** Block time, unix seconds. */
  readonly t: number;
  /** USD prices by oracle symbol. */
  readonly prices: Readonly<Record<string, number>>;
  readonly vaultSharePrice: number;
  /**
   * Per source: lending rates as read; share-price sources (vaults, LPs) carry their yield `index`
   * and a NaN rate, to be measured over a series of readings.
   */
  readonly sources: readonly (Omit<SourcePoint, "t"> & { id: string; kind: SourceKind; index?: number })[];
}

/** Reads the market now (ticks) and at past blocks (backfill). */
export interface ChainMarketReader extends MarketReader {
  readonly baseAsset: { readonly symbol: string; readonly decimals: number };
  readAt(block: number): Promise<PastMarket>;
}

const RAY = 10n ** 27n;

/** Reads the vault, its adapters, oracles and the fee market through ethers; every read goes through the queue. */
export async function createChainMarketReader(
  opts: ChainMarketOptions,
  deps: { provider: JsonRpcApiProvider; queue: PQueue },
): Promise<ChainMarketReader> {
  const { provider, queue } = deps;
  const q = <T>(fn: () => Promise<T>) => queue.add(fn, { throwOnTimeout: true }) as Promise<T>;
  const vault = new Contract(opts.vault, VAULT_ABI, provider);
  const assetAddr = (await vault.getFunction("asset")()) as string;
  const asset = new Contract(assetAddr, ERC20_ABI, provider);
  const [symbol, decimals, allocatorAddr] = await Promise.all([
    asset.getFunction("symbol")() as Promise<string>,
    asset.getFunction("decimals")().then(Number),
    vault.getFunction("allocator")() as Promise<string>,
  ]);
  const allocator = new Contract(allocatorAddr, ALLOCATOR_ABI, provider);
  const oneVaultShare = 10n ** BigInt(Number(await vault.getFunction("decimals")()));
  const metas = new Map<string, AdapterMeta>();
  const rates = new RateTracker(opts.rateWindowSeconds);
  const pinned = opts.monitor?.length ? createProtocolReader(opts.monitor, { provider, q }) : undefined;

  async function meta(address: string): Promise<AdapterMeta> {
    const known = metas.get(address);
    if (known) return known;
    const m = await readAdapterMeta(address, { provider, asset: { address: assetAddr, symbol, decimals } });
    metas.set(address, m);
    return m;
  }

  /** Reads an index at an earlier block (archive data; absent on pruned nodes) for a first rate. */
  async function pastIndex(
    block: number,
    read: (blockTag: number) => Promise<number>,
  ): Promise<IndexPoint | undefined> {
    const pastBlock = Math.max(0, block - opts.rateLookbackBlocks);
    if (pastBlock === block) return undefined;
    const past = await q(() => provider.getBlock(pastBlock));
    if (!past) return undefined;
    return { t: past.timestamp, v: await read(pastBlock) };
  }

  async function readPrice(sym: string, feed: string, block: number): Promise<PriceObservation> {
    const agg = new Contract(feed, AGGREGATOR_ABI, provider);
    const [dec, round] = await Promise.all([
      q(() => agg.getFunction("decimals")({ blockTag: block })).then(Number),
      q(() => agg.getFunction("latestRoundData")({ blockTag: block })) as Promise<
        [bigint, bigint, bigint, bigint, bigint]
      >,
    ]);
    return { symbol: sym, priceUsd: Number(round[1]) / 10 ** dec, updatedAt: Number(round[3]), origin: "oracle" };
  }

  async function readSource(
    m: AdapterMeta,
    block: number,
    t: number,
    prices: Record<string, number>,
    rateOf: RateOf = (id, now, readPast) => rates.apr(id, now, readPast),
    accrual: AccrualOf = (id, now, principal, readPast) => rates.accrualApr(id, now, principal, readPast),
  ): Promise<SourceState> {
    const at = { blockTag: block };
    const a = new Contract(m.address, ADAPTER_ABI, provider);
    const [balance, maxWithdraw] = (await Promise.all([
      q(() => a.getFunction("totalAssets")(at)),
      q(() => a.getFunction("maxWithdraw")(at)),
    ])) as [bigint, bigint];
    const basePrice = prices[symbol] ?? 1;
    const base = { id: m.address, kind: m.kind, protocol: m.protocol, asset: m.asset, balance, maxWithdraw };
    if (m.kind === "lending") {
      const pool = new Contract(m.target, AAVE_POOL_ABI, provider);
      const r = (await q(() => pool.getFunction("getReserveData")(assetAddr, at))) as unknown as {
        currentLiquidityRate: bigint;
        aTokenAddress: string;
        variableDebtTokenAddress: string;
      };
      const aToken = new Contract(r.aTokenAddress, ERC20_ABI, provider);
      const debt = new Contract(r.variableDebtTokenAddress, ERC20_ABI, provider);
      const [supply, borrowed, cash] = (await Promise.all([
        q(() => aToken.getFunction("totalSupply")(at)),
        q(() => debt.getFunction("totalSupply")(at)),
        q(() => asset.getFunction("balanceOf")(r.aTokenAddress, at)),
      ])) as [bigint, bigint, bigint];
      return {
        ...base,
        aprPct: (Number((r.currentLiquidityRate * 1_000_000n) / RAY) / 1_000_000) * 100,
        tvlUsd: toFloat(supply, decimals) * basePrice,
        utilization: supply > 0n ? Number((borrowed * 1_000_000n) / supply) / 1_000_000 : 0,
        availableLiquidityUsd: toFloat(cash, decimals) * basePrice,
      };
    }
    if (m.kind === "vault") {
      const target = new Contract(m.target, ERC4626_ABI, provider);
      const oneShare = 10n ** BigInt(m.targetDecimals);
      const [perShare, tvl] = (await Promise.all([
        q(() => target.getFunction("convertToAssets")(oneShare, at)),
        q(() => target.getFunction("totalAssets")(at)),
      ])) as [bigint, bigint];
      const sharePrice = toFloat(perShare, decimals);
      const aprPct = await rateOf(m.address, { t, v: sharePrice }, () =>
        pastIndex(block, async (blockTag) =>
          toFloat((await q(() => target.getFunction("convertToAssets")(oneShare, { blockTag }))) as bigint, decimals),
        ),
      );
      return { ...base, aprPct, tvlUsd: toFloat(tvl, decimals) * basePrice, utilization: null, sharePrice };
    }
    if (m.protocol === "uniswap-v3") {
      const ctx = { provider, q, block, decimals, basePrice, prices, accrual, pastIndex };
      return readUniswapV3Source(m, { ...base, t }, ctx);
    }
    const lp = m.lp!;
    const pair = new Contract(m.target, UNIV2_PAIR_ABI, provider);
    const [reserves, supply] = (await Promise.all([
      q(() => pair.getFunction("getReserves")(at)),
      q(() => pair.getFunction("totalSupply")(at)),
    ])) as [[bigint, bigint, bigint], bigint];
    const baseReserve = lp.baseIs0 ? reserves[0] : reserves[1];
    const otherReserve = lp.baseIs0 ? reserves[1] : reserves[0];
    const baseF = toFloat(baseReserve, decimals);
    const otherF = toFloat(otherReserve, lp.otherDecimals);
    const otherPrice = prices[lp.otherSymbol] ?? (otherF > 0 ? (baseF * basePrice) / otherF : 0);
    // Fees grow sqrt(k) per LP token; price moves do not.
    const kPerShare = (reserve0: bigint, reserve1: bigint, totalSupply: bigint) =>
      totalSupply > 0n ? Math.sqrt(Number(reserve0) * Number(reserve1)) / Number(totalSupply) : 0;
    const index = kPerShare(reserves[0], reserves[1], supply);
    const aprPct = await rateOf(m.address, { t, v: index }, () =>
      pastIndex(block, async (blockTag) => {
        const [r, s] = (await Promise.all([
          q(() => pair.getFunction("getReserves")({ blockTag })),
          q(() => pair.getFunction("totalSupply")({ blockTag })),
        ])) as [[bigint, bigint, bigint], bigint];
        return kPerShare(r[0], r[1], s);
      }),
    );
    const r0 = toFloat(reserves[0], lp.baseIs0 ? decimals : lp.otherDecimals);
    const r1 = toFloat(reserves[1], lp.baseIs0 ? lp.otherDecimals : decimals);
    return {
      ...base,
      aprPct,
      tvlUsd: baseF * basePrice + otherF * otherPrice,
      utilization: null,
      reserves: { reserve0: r0, reserve1: r1, spotPrice: r0 > 0 ? r1 / r0 : 0 },
    };
  }

  return {
    baseAsset: { symbol, decimals },
    async readAt(block) {
      const b = await q(() => provider.getBlock(block));
      if (!b) throw new KeelError("NO_BLOCK", `node returned no block ${block}`, { retryable: true });
      const at = { blockTag: block };
      const priceList = await Promise.all(Object.entries(opts.oracles).map(([s, feed]) => readPrice(s, feed, block)));
      const spot = Object.fromEntries(priceList.map((p) => [p.symbol, p.priceUsd]));
      const [perShare, adapters] = (await Promise.all([
        q(() => vault.getFunction("convertToAssets")(oneVaultShare, at)),
        q(() => allocator.getFunction("getAdapters")(at)),
      ])) as [bigint, string[]];
      const metaList = await Promise.all(adapters.map((a) => meta(a)));
      // Share-price sources: keep the yield index; the caller measures the rate over its own series.
      const index = new Map<string, number>();
      const keepIndex: RateOf = async (id, now) => {
        index.set(id, now.v);
        return Number.NaN;
      };
      const states = await Promise.all(
        metaList.map((m) => readSource(m, block, b.timestamp, spot, keepIndex, async () => Number.NaN)),
      );
      return {
        block,
        t: b.timestamp,
        prices: spot,
        vaultSharePrice: toFloat(perShare, decimals),
        sources: states.map((st) => ({
          id: st.id,
          kind: st.kind,
          aprPct: st.aprPct,
          tvlUsd: st.tvlUsd,
          utilization: st.utilization,
          ...(st.sharePrice === undefined ? {} : { sharePrice: st.sharePrice }),
          ...(index.has(st.id) ? { index: index.get(st.id) as number } : {}),
        })),
      };
    },
    async observe(signal) {
      const head = await q(() => provider.getBlock("latest"));
      if (!head) throw new KeelError("NO_HEAD", "node returned no latest block", { retryable: true });
      signal.throwIfAborted();
      const block = head.number;
      const at = { blockTag: block };
      const network = await provider.getNetwork();
      const priceList = await Promise.all(Object.entries(opts.oracles).map(([s, feed]) => readPrice(s, feed, block)));
      const prices: Record<string, PriceObservation[]> = {};
      for (const p of priceList) prices[p.symbol] = [...(prices[p.symbol] ?? []), p];
      const spot = Object.fromEntries(priceList.map((p) => [p.symbol, p.priceUsd]));
      const [totalAssets, idle, totalSupply, perShare, paused, shutdown, adapters, books] = (await Promise.all([
        q(() => vault.getFunction("totalAssets")(at)),
        q(() => vault.getFunction("idle")(at)),
        q(() => vault.getFunction("totalSupply")(at)),
        q(() => vault.getFunction("convertToAssets")(oneVaultShare, at)),
        q(() => vault.getFunction("paused")(at)),
        q(() => vault.getFunction("isShutdown")(at)),
        q(() => allocator.getFunction("getAdapters")(at)),
        q(() => allocator.getFunction("booked")(at)),
      ])) as [bigint, bigint, bigint, bigint, boolean, boolean, string[], [bigint, bigint]];
      const metaList = await Promise.all(adapters.map((a) => meta(a)));
      const keeperBounds = await readKeeperBounds(allocator, q, adapters, block, head.timestamp);
      // The pins are read at the same block, through the same queue, beside the sources.
      const [sources, protocol] = await Promise.all([
        Promise.all(metaList.map((m) => readSource(m, block, head.timestamp, spot))),
        pinned?.read(block),
      ]);
      signal.throwIfAborted();
      const fees = (await q(() =>
        provider.send("eth_feeHistory", [`0x${opts.feeHistoryBlocks.toString(16)}`, `0x${block.toString(16)}`, [50]]),
      )) as { baseFeePerGas: string[]; reward?: string[][] };
      const rewards = (fees.reward ?? []).map((r) => BigInt(r[0] ?? "0x0")).filter((r) => r > 0n);
      const priorityFeeWei =
        rewards.length > 0 ? rewards.reduce((a, b) => a + b, 0n) / BigInt(rewards.length) : 1_000_000_000n;
      const keeperBalanceWei = await q(() => provider.getBalance(opts.keeper, block));
      const nativeUsd = spot[opts.nativeSymbol];
      if (nativeUsd === undefined) {
        throw new KeelError(
          "NO_NATIVE_PRICE",
          `no price feed for ${opts.nativeSymbol} (contracts.oracles.${opts.nativeSymbol}): gas cannot be priced`,
        );
      }
      const snapshot: Snapshot = {
        chainId: Number(network.chainId),
        block,
        timestamp: head.timestamp,
        baseAsset: { symbol, decimals, priceUsd: spot[symbol] ?? 1 },
        vault: {
          totalAssets,
          idle,
          totalSupply,
          sharePrice: toFloat(perShare, decimals),
          paused,
          shutdown,
          booked: { debt: books[0], locked: books[1] },
        },
        sources,
        prices,
        baseFeesWei: fees.baseFeePerGas.map((f) => BigInt(f)),
        priorityFeeWei,
        nativeUsd,
        keeperBalanceWei,
        keeperBounds,
        ...(protocol ? { protocol } : {}),
      };
      return snapshot;
    },
  };
}
