import { isError, type JsonRpcApiProvider } from "ethers";
import type { SourceState } from "../../domain/snapshot.ts";
import { IERC20MetadataAbi, UniswapV3LpAdapterAbi, UniswapV3PoolAbi } from "./abi/generated.ts";
import type { AdapterMeta } from "./adapterMeta.ts";
import type { IndexPoint } from "./rateTracker.ts";
import { read, type TypedContract, typedContract } from "./typedContract.ts";

const Q96 = 2 ** 96;
const Q128 = 2 ** 128;

/** APR of an accrual index (see RateTracker.accrualApr); NaN where rates are measured elsewhere (backfill). */
export type AccrualOf = (
  id: string,
  now: IndexPoint,
  principal: number,
  readPast: () => Promise<IndexPoint | undefined>,
) => Promise<number>;

/** What reading one v3 source needs from the market reader. */
export interface V3ReadContext {
  readonly provider: JsonRpcApiProvider;
  readonly q: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly block: number;
  readonly decimals: number;
  readonly basePrice: number;
  readonly prices: Readonly<Record<string, number>>;
  readonly accrual: AccrualOf;
  readonly pastIndex: (block: number, read: (blockTag: number) => Promise<number>) => Promise<IndexPoint | undefined>;
}

/** The pool's fee growth per unit of liquidity at `blockTag`, valued in base units (`value` per raw token0, token1). */
async function poolFeeIndex(
  pool: TypedContract<typeof UniswapV3PoolAbi>,
  q: V3ReadContext["q"],
  value: readonly [number, number],
  blockTag: number,
): Promise<number> {
  const [g0, g1] = await Promise.all([
    q(() => read(pool, "feeGrowthGlobal0X128", [], { blockTag })),
    q(() => read(pool, "feeGrowthGlobal1X128", [], { blockTag })),
  ]);
  return (Number(g0) / Q128) * value[0] + (Number(g1) / Q128) * value[1];
}

/**
 * A Uniswap v3 position as a source: its range (ticks, prices, in range or not), the pool's active liquidity as
 * virtual reserves (spot price for the manipulation rule), TVL from the pool's balances, and the position's fee APR:
 * the pool's fee growth per unit of liquidity (both tokens at the oracle) against what one unit of liquidity over
 * the position's range is worth now — the rate an in-range position earns; 0 while out of range.
 */
export async function readUniswapV3Source(
  m: AdapterMeta,
  base: Pick<SourceState, "id" | "kind" | "protocol" | "asset" | "balance" | "maxWithdraw"> & { t: number },
  ctx: V3ReadContext,
): Promise<SourceState> {
  const lp = m.lp!;
  const { q, block, decimals } = ctx;
  const at = { blockTag: block };
  const adapter = typedContract(m.address, UniswapV3LpAdapterAbi, ctx.provider);
  const pool = typedContract(m.target, UniswapV3PoolAbi, ctx.provider);
  const bal = (token: string) =>
    q(() => read(typedContract(token, IERC20MetadataAbi, ctx.provider), "balanceOf", [m.target], at));
  const [lowerRaw, upperRaw, slot0, active, bal0, bal1, ...limitsRaw] = await Promise.all([
    q(() => read(adapter, "tickLower", [], at)),
    q(() => read(adapter, "tickUpper", [], at)),
    q(() => read(pool, "slot0", [], at)),
    q(() => read(pool, "liquidity", [], at)),
    bal(lp.token0),
    bal(lp.token1),
    // The range limits the keeper's re-range must keep (read with the range, every tick).
    q(() => read(adapter, "minWidthTicks", [], at)),
    q(() => read(adapter, "maxWidthTicks", [], at)),
    q(() => read(adapter, "maxCentreOffsetBps", [], at)),
    q(() => read(adapter, "minRerangeInterval", [], at)),
    q(() => read(adapter, "lastRerangeAt", [], at)),
    q(() => read(pool, "tickSpacing", [], at)),
  ]);
  const [minW, maxW, offset, interval, last, spacing] = limitsRaw.map(Number);
  const [tickLower, tickUpper, tick] = [Number(lowerRaw), Number(upperRaw), Number(slot0[1])];
  const [d0, d1] = lp.baseIs0 ? [decimals, lp.otherDecimals] : [lp.otherDecimals, decimals];
  const sqrtP = Number(slot0[0]) / Q96; // raw token1 per raw token0, square-rooted
  const human = (rawPrice: number) => rawPrice * 10 ** (d0 - d1);
  const spot = human(sqrtP * sqrtP);
  // Base units per raw unit of each token, at the oracle (spot when the other token has no feed).
  const otherUsd = ctx.prices[lp.otherSymbol] ?? (lp.baseIs0 ? ctx.basePrice / spot : ctx.basePrice * spot);
  const otherInBase = (otherUsd / ctx.basePrice) * 10 ** (decimals - lp.otherDecimals);
  const [v0, v1] = lp.baseIs0 ? [1, otherInBase] : [otherInBase, 1];
  const inRange = tick >= tickLower && tick < tickUpper;
  // One unit of liquidity over the range at spot: token0 = 1/√p − 1/√pu, token1 = √p − √pl (raw units).
  const [sl, su] = [Math.sqrt(1.0001 ** tickLower), Math.sqrt(1.0001 ** tickUpper)];
  const sc = Math.min(Math.max(sqrtP, sl), su);
  const principal = (1 / sc - 1 / su) * v0 + (sc - sl) * v1;
  const feeIndex = (blockTag: number) => poolFeeIndex(pool, q, [v0, v1], blockTag);
  const apr = await ctx.accrual(m.address, { t: base.t, v: await feeIndex(block) }, principal, () =>
    ctx.pastIndex(block, feeIndex),
  );
  const r0 = Number(active) / sqrtP / 10 ** d0;
  const r1 = (Number(active) * sqrtP) / 10 ** d1;
  const tvlBase = Number(bal0) * v0 + Number(bal1) * v1;
  const { t: _t, ...state } = base;
  return {
    ...state,
    aprPct: inRange ? apr : 0,
    tvlUsd: (tvlBase / 10 ** decimals) * ctx.basePrice,
    utilization: null,
    reserves: { reserve0: r0, reserve1: r1, spotPrice: spot },
    range: {
      tickLower,
      tickUpper,
      tick,
      inRange,
      priceLower: human(1.0001 ** tickLower),
      priceUpper: human(1.0001 ** tickUpper),
      inRangeAprPct: apr,
      limits: {
        minWidthTicks: minW ?? 0,
        maxWidthTicks: maxW ?? 0,
        maxCentreOffsetBps: offset ?? 0,
        minRerangeIntervalSeconds: interval ?? 0,
        tickSpacing: spacing ?? 0,
        lastRerangeAt: last ?? 0,
      },
    },
  };
}

/** True when the adapter at `address` is a Uniswap v3 position: it answers `positionManager()` (a v2 one reverts). */
export async function isUniswapV3Adapter(address: string, provider: JsonRpcApiProvider): Promise<boolean> {
  try {
    await read(typedContract(address, UniswapV3LpAdapterAbi, provider), "positionManager", []);
    return true;
  } catch (err) {
    if (isError(err, "CALL_EXCEPTION")) return false;
    throw err;
  }
}
