import type { JsonRpcApiProvider } from "ethers";
import { toFloat } from "../../domain/amounts.ts";
import type { SourceState } from "../../domain/snapshot.ts";
import { AavePoolAbi, IERC20MetadataAbi, IERC4626Abi, IKeelAdapterAbi, UniswapV2PairAbi } from "./abi/generated.ts";
import type { AdapterMeta } from "./adapterMeta.ts";
import type { IndexPoint } from "./rateTracker.ts";
import { read, type TypedContract, typedContract } from "./typedContract.ts";
import { type AccrualOf, readUniswapV3Source } from "./uniswapV3Source.ts";

/** APR of a share-price index measured over chain time (see RateTracker.apr); NaN where measured elsewhere. */
export type RateOf = (id: string, now: IndexPoint, readPast: () => Promise<IndexPoint | undefined>) => Promise<number>;

/** What reading one source needs from the market reader: the chain, its read queue and the vault's asset. */
export interface SourceReadContext {
  readonly provider: JsonRpcApiProvider;
  readonly q: <T>(fn: () => Promise<T>) => Promise<T>;
  /** The vault's asset (ERC-20) and its address, symbol and decimals. */
  readonly asset: TypedContract<typeof IERC20MetadataAbi>;
  readonly assetAddr: string;
  readonly symbol: string;
  readonly decimals: number;
  /** Reads an index at an earlier block (archive data; absent on pruned nodes) for a first rate. */
  readonly pastIndex: (block: number, read: (blockTag: number) => Promise<number>) => Promise<IndexPoint | undefined>;
}

/** One block's reading of one source, and how its rates are measured. */
interface SourceRead {
  readonly block: number;
  readonly t: number;
  readonly prices: Record<string, number>;
  readonly basePrice: number;
  readonly rateOf: RateOf;
  readonly accrual: AccrualOf;
}

type SourceBase = Pick<SourceState, "id" | "kind" | "protocol" | "asset" | "balance" | "maxWithdraw">;

const RAY = 10n ** 27n;

/** An Aave reserve: its supply rate, supply, utilization and the cash its aToken holds. */
async function readLending(ctx: SourceReadContext, m: AdapterMeta, r: SourceRead, base: SourceBase) {
  const { provider, q, asset, decimals } = ctx;
  const at = { blockTag: r.block };
  const pool = typedContract(m.target, AavePoolAbi, provider);
  const reserve = await q(() => read(pool, "getReserveData", [ctx.assetAddr], at));
  const aToken = typedContract(reserve.aTokenAddress, IERC20MetadataAbi, provider);
  const debt = typedContract(reserve.variableDebtTokenAddress, IERC20MetadataAbi, provider);
  const [supply, borrowed, cash] = await Promise.all([
    q(() => read(aToken, "totalSupply", [], at)),
    q(() => read(debt, "totalSupply", [], at)),
    q(() => read(asset, "balanceOf", [reserve.aTokenAddress], at)),
  ]);
  return {
    ...base,
    aprPct: (Number((reserve.currentLiquidityRate * 1_000_000n) / RAY) / 1_000_000) * 100,
    tvlUsd: toFloat(supply, decimals) * r.basePrice,
    utilization: supply > 0n ? Number((borrowed * 1_000_000n) / supply) / 1_000_000 : 0,
    availableLiquidityUsd: toFloat(cash, decimals) * r.basePrice,
  };
}

/** An ERC-4626 vault: its share price (the yield index) and total assets. */
async function readVault(ctx: SourceReadContext, m: AdapterMeta, r: SourceRead, base: SourceBase) {
  const { provider, q, decimals } = ctx;
  const at = { blockTag: r.block };
  const target = typedContract(m.target, IERC4626Abi, provider);
  const oneShare = 10n ** BigInt(m.targetDecimals);
  const [perShare, tvl] = await Promise.all([
    q(() => read(target, "convertToAssets", [oneShare], at)),
    q(() => read(target, "totalAssets", [], at)),
  ]);
  const sharePrice = toFloat(perShare, decimals);
  const aprPct = await r.rateOf(m.address, { t: r.t, v: sharePrice }, () =>
    ctx.pastIndex(r.block, async (blockTag) =>
      toFloat(await q(() => read(target, "convertToAssets", [oneShare], { blockTag })), decimals),
    ),
  );
  return { ...base, aprPct, tvlUsd: toFloat(tvl, decimals) * r.basePrice, utilization: null, sharePrice };
}

/** A Uniswap v2 pair: reserves, spot price, TVL, and the fee yield as growth of sqrt(k) per LP token. */
async function readV2Pair(ctx: SourceReadContext, m: AdapterMeta, r: SourceRead, base: SourceBase) {
  const { provider, q, decimals } = ctx;
  const at = { blockTag: r.block };
  const lp = m.lp!;
  const pair = typedContract(m.target, UniswapV2PairAbi, provider);
  const [reserves, supply] = await Promise.all([
    q(() => read(pair, "getReserves", [], at)),
    q(() => read(pair, "totalSupply", [], at)),
  ]);
  const baseReserve = lp.baseIs0 ? reserves[0] : reserves[1];
  const otherReserve = lp.baseIs0 ? reserves[1] : reserves[0];
  const baseF = toFloat(baseReserve, decimals);
  const otherF = toFloat(otherReserve, lp.otherDecimals);
  const otherPrice = r.prices[lp.otherSymbol] ?? (otherF > 0 ? (baseF * r.basePrice) / otherF : 0);
  // Fees grow sqrt(k) per LP token; price moves do not.
  const kPerShare = (reserve0: bigint, reserve1: bigint, totalSupply: bigint) =>
    totalSupply > 0n ? Math.sqrt(Number(reserve0) * Number(reserve1)) / Number(totalSupply) : 0;
  const index = kPerShare(reserves[0], reserves[1], supply);
  const aprPct = await r.rateOf(m.address, { t: r.t, v: index }, () =>
    ctx.pastIndex(r.block, async (blockTag) => {
      const [past, s] = await Promise.all([
        q(() => read(pair, "getReserves", [], { blockTag })),
        q(() => read(pair, "totalSupply", [], { blockTag })),
      ]);
      return kPerShare(past[0], past[1], s);
    }),
  );
  const r0 = toFloat(reserves[0], lp.baseIs0 ? decimals : lp.otherDecimals);
  const r1 = toFloat(reserves[1], lp.baseIs0 ? lp.otherDecimals : decimals);
  return {
    ...base,
    aprPct,
    tvlUsd: baseF * r.basePrice + otherF * otherPrice,
    utilization: null,
    reserves: { reserve0: r0, reserve1: r1, spotPrice: r0 > 0 ? r1 / r0 : 0 },
    ...(lp.slippageBps === undefined ? {} : { entrySlippageBps: lp.slippageBps }),
  };
}

/** One source at a block: its adapter's balance and withdrawable amount, and its market by kind and protocol. */
export async function readSource(
  ctx: SourceReadContext,
  m: AdapterMeta,
  reading: Omit<SourceRead, "basePrice">,
): Promise<SourceState> {
  const { provider, q } = ctx;
  const at = { blockTag: reading.block };
  const a = typedContract(m.address, IKeelAdapterAbi, provider);
  const [balance, maxWithdraw] = await Promise.all([
    q(() => read(a, "totalAssets", [], at)),
    q(() => read(a, "maxWithdraw", [], at)),
  ]);
  const r: SourceRead = { ...reading, basePrice: reading.prices[ctx.symbol] ?? 1 };
  const base = { id: m.address, kind: m.kind, protocol: m.protocol, asset: m.asset, balance, maxWithdraw };
  if (m.kind === "lending") return readLending(ctx, m, r, base);
  if (m.kind === "vault") return readVault(ctx, m, r, base);
  if (m.protocol === "uniswap-v3") {
    const { block, prices, accrual } = r;
    const v3 = { provider, q, block, decimals: ctx.decimals, basePrice: r.basePrice, prices, accrual };
    return readUniswapV3Source(m, { ...base, t: r.t }, { ...v3, pastIndex: ctx.pastIndex });
  }
  return readV2Pair(ctx, m, r, base);
}
