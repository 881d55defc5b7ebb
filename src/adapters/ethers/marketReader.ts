import type { JsonRpcApiProvider } from "ethers";
import type PQueue from "p-queue";
import { toFloat } from "../../domain/amounts.ts";
import { KeelError } from "../../domain/errors.ts";
import type { SourcePins } from "../../domain/protocolPins.ts";
import type { PriceObservation, Snapshot, SourceKind, SourcePoint } from "../../domain/snapshot.ts";
import type { MarketReader } from "../../ports/market.ts";
import { AggregatorV3InterfaceAbi, IERC20MetadataAbi, KeelAllocatorAbi, KeelVaultAbi } from "./abi/generated.ts";
import { type AdapterMeta, readAdapterMeta } from "./adapterMeta.ts";
import { readKeeperBounds } from "./keeperBounds.ts";
import { createProtocolReader } from "./protocolReader.ts";
import { type IndexPoint, RateTracker } from "./rateTracker.ts";
import { type RateOf, readSource, type SourceReadContext } from "./sourceReader.ts";
import { read, type TypedContract, typedContract } from "./typedContract.ts";
import type { AccrualOf } from "./uniswapV3Source.ts";

/** What the market reader reads: the vault, the keeper, the feeds, and how rates and fees are measured. */
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

/** What both reads (now and at a past block) share: the contracts, the queue, adapter metadata and rates. */
interface MarketReadState {
  readonly opts: ChainMarketOptions;
  readonly ctx: SourceReadContext;
  readonly vault: TypedContract<typeof KeelVaultAbi>;
  readonly allocator: TypedContract<typeof KeelAllocatorAbi>;
  readonly oneVaultShare: bigint;
  readonly rates: RateTracker;
  readonly pinned: ReturnType<typeof createProtocolReader> | undefined;
  meta(address: string): Promise<AdapterMeta>;
}

/** A Chainlink-compatible feed's answer at a block, in USD. */
async function readPrice(ctx: SourceReadContext, sym: string, feed: string, block: number): Promise<PriceObservation> {
  const { q } = ctx;
  const agg = typedContract(feed, AggregatorV3InterfaceAbi, ctx.provider);
  const at = { blockTag: block };
  const [dec, round] = await Promise.all([
    q(() => read(agg, "decimals", [], at)).then(Number),
    q(() => read(agg, "latestRoundData", [], at)),
  ]);
  return { symbol: sym, priceUsd: Number(round[1]) / 10 ** dec, updatedAt: Number(round[3]), origin: "oracle" };
}

/** Every configured feed at a block. */
function readPrices(s: MarketReadState, block: number): Promise<PriceObservation[]> {
  return Promise.all(Object.entries(s.opts.oracles).map(([sym, feed]) => readPrice(s.ctx, sym, feed, block)));
}

/** The market at a past block (backfill): share-price sources keep their yield index, measured by the caller. */
async function readPastMarket(s: MarketReadState, block: number): Promise<PastMarket> {
  const { q, provider, decimals } = s.ctx;
  const b = await q(() => provider.getBlock(block));
  if (!b) throw new KeelError("NO_BLOCK", `node returned no block ${block}`, { retryable: true });
  const at = { blockTag: block };
  const priceList = await readPrices(s, block);
  const spot = Object.fromEntries(priceList.map((p) => [p.symbol, p.priceUsd]));
  const [perShare, adapters] = await Promise.all([
    q(() => read(s.vault, "convertToAssets", [s.oneVaultShare], at)),
    q(() => read(s.allocator, "getAdapters", [], at)),
  ]);
  const metaList = await Promise.all(adapters.map((a) => s.meta(a)));
  // Share-price sources: keep the yield index; the caller measures the rate over its own series.
  const index = new Map<string, number>();
  const keepIndex: RateOf = async (id, now) => {
    index.set(id, now.v);
    return Number.NaN;
  };
  const reading = { block, t: b.timestamp, prices: spot, rateOf: keepIndex, accrual: async () => Number.NaN };
  const states = await Promise.all(metaList.map((m) => readSource(s.ctx, m, reading)));
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
}

/** The fee market up to a block: base fees, and the mean median priority fee (1 gwei when none was paid). */
async function readFees(s: MarketReadState, block: number): Promise<Pick<Snapshot, "baseFeesWei" | "priorityFeeWei">> {
  const fees = (await s.ctx.q(() =>
    s.ctx.provider.send("eth_feeHistory", [
      `0x${s.opts.feeHistoryBlocks.toString(16)}`,
      `0x${block.toString(16)}`,
      [50],
    ]),
  )) as { baseFeePerGas: string[]; reward?: string[][] };
  const rewards = (fees.reward ?? []).map((r) => BigInt(r[0] ?? "0x0")).filter((r) => r > 0n);
  const priorityFeeWei =
    rewards.length > 0 ? rewards.reduce((a, b) => a + b, 0n) / BigInt(rewards.length) : 1_000_000_000n;
  return { baseFeesWei: fees.baseFeePerGas.map((f) => BigInt(f)), priorityFeeWei };
}

/** The vault's books at a block. */
async function readVaultState(s: MarketReadState, block: number) {
  const { q } = s.ctx;
  const at = { blockTag: block };
  const { vault, allocator } = s;
  const [totalAssets, idle, totalSupply, perShare, paused, shutdown, adapters, books] = await Promise.all([
    q(() => read(vault, "totalAssets", [], at)),
    q(() => read(vault, "idle", [], at)),
    q(() => read(vault, "totalSupply", [], at)),
    q(() => read(vault, "convertToAssets", [s.oneVaultShare], at)),
    q(() => read(vault, "paused", [], at)),
    q(() => read(vault, "isShutdown", [], at)),
    q(() => read(allocator, "getAdapters", [], at)),
    q(() => read(allocator, "booked", [], at)),
  ]);
  return { totalAssets, idle, totalSupply, perShare, paused, shutdown, adapters, books };
}

/** The market now (a tick): the head block's vault, sources, pins, prices, fee market and keeper balance. */
async function observeMarket(s: MarketReadState, signal: AbortSignal): Promise<Snapshot> {
  const { q, provider, symbol, decimals } = s.ctx;
  const { opts } = s;
  const head = await q(() => provider.getBlock("latest"));
  if (!head) throw new KeelError("NO_HEAD", "node returned no latest block", { retryable: true });
  signal.throwIfAborted();
  const block = head.number;
  const network = await provider.getNetwork();
  const priceList = await readPrices(s, block);
  const prices: Record<string, PriceObservation[]> = {};
  for (const p of priceList) prices[p.symbol] = [...(prices[p.symbol] ?? []), p];
  const spot = Object.fromEntries(priceList.map((p) => [p.symbol, p.priceUsd]));
  const v = await readVaultState(s, block);
  const { adapters } = v;
  const metaList = await Promise.all(adapters.map((a) => s.meta(a)));
  const keeperBounds = await readKeeperBounds(s.allocator, q, adapters, block, head.timestamp);
  const reading = {
    ...{ block, t: head.timestamp, prices: spot },
    rateOf: ((id, now, readPast) => s.rates.apr(id, now, readPast)) satisfies RateOf,
    accrual: ((id, now, principal, readPast) => s.rates.accrualApr(id, now, principal, readPast)) satisfies AccrualOf,
  };
  // The pins are read at the same block, through the same queue, beside the sources.
  const [sources, protocol] = await Promise.all([
    Promise.all(metaList.map((m) => readSource(s.ctx, m, reading))),
    s.pinned?.read(block),
  ]);
  signal.throwIfAborted();
  const fees = await readFees(s, block);
  const keeperBalanceWei = await q(() => provider.getBalance(opts.keeper, block));
  const nativeUsd = spot[opts.nativeSymbol];
  if (nativeUsd === undefined) {
    throw new KeelError(
      "NO_NATIVE_PRICE",
      `no price feed for ${opts.nativeSymbol} (contracts.oracles.${opts.nativeSymbol}): gas cannot be priced`,
    );
  }
  return {
    chainId: Number(network.chainId),
    block,
    timestamp: head.timestamp,
    baseAsset: { symbol, decimals, priceUsd: spot[symbol] ?? 1 },
    vault: {
      totalAssets: v.totalAssets,
      idle: v.idle,
      totalSupply: v.totalSupply,
      sharePrice: toFloat(v.perShare, decimals),
      paused: v.paused,
      shutdown: v.shutdown,
      booked: { debt: v.books[0], locked: v.books[1] },
    },
    sources,
    prices,
    ...fees,
    nativeUsd,
    keeperBalanceWei,
    keeperBounds,
    ...(protocol ? { protocol } : {}),
  };
}

/** Reads the vault, its adapters, oracles and the fee market through ethers; every read goes through the queue. */
export async function createChainMarketReader(
  opts: ChainMarketOptions,
  deps: { provider: JsonRpcApiProvider; queue: PQueue },
): Promise<ChainMarketReader> {
  const { provider, queue } = deps;
  const q = <T>(fn: () => Promise<T>) => queue.add(fn, { throwOnTimeout: true }) as Promise<T>;
  const vault = typedContract(opts.vault, KeelVaultAbi, provider);
  const assetAddr = await read(vault, "asset", []);
  const asset = typedContract(assetAddr, IERC20MetadataAbi, provider);
  const [symbol, decimals, allocatorAddr] = await Promise.all([
    read(asset, "symbol", []),
    read(asset, "decimals", []).then(Number),
    read(vault, "allocator", []),
  ]);
  const allocator = typedContract(allocatorAddr, KeelAllocatorAbi, provider);
  const oneVaultShare = 10n ** BigInt(Number(await read(vault, "decimals", [])));
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
    readIndex: (blockTag: number) => Promise<number>,
  ): Promise<IndexPoint | undefined> {
    const pastBlock = Math.max(0, block - opts.rateLookbackBlocks);
    if (pastBlock === block) return undefined;
    const past = await q(() => provider.getBlock(pastBlock));
    if (!past) return undefined;
    return { t: past.timestamp, v: await readIndex(pastBlock) };
  }

  const ctx: SourceReadContext = { provider, q, asset, assetAddr, symbol, decimals, pastIndex };
  const state: MarketReadState = { opts, ctx, vault, allocator, oneVaultShare, rates, pinned, meta };
  return {
    baseAsset: { symbol, decimals },
    readAt: (block) => readPastMarket(state, block),
    observe: (signal) => observeMarket(state, signal),
  };
}
