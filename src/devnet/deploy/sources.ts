import { Contract, type Signer } from "ethers";
import { loadArtifact } from "../../adapters/ethers/artifacts.ts";
import { type AaveMarket, aavePoolAbi, deployAaveV3 } from "./aave.ts";
import { type Deployed, deployContract, send } from "./contract.ts";
import { deployUniswapV2Pair, type UniswapV2Market } from "./uniswap.ts";

/** What every source deployer needs: the deployer (market operator), the base token and the allocator. */
export interface SourceContext {
  deployer: Signer;
  me: string;
  token: Deployed;
  asset: string;
  allocator: string;
  /** USD feed of the base asset. */
  baseFeed: string;
}

/** Units of a token with `decimals`. */
export const units = (n: bigint | number, decimals: number): bigint => BigInt(n) * 10n ** BigInt(decimals);

/** Deploys an ERC-4626 YieldVault target and its adapter. */
export async function deployErc4626Source(ctx: SourceContext, label: string): Promise<{ adapter: string; target: string }> {
  const target = await deployContract(ctx.deployer, "YieldVault", [ctx.asset, `Yield Vault ${label}`, `yv${label}`, ctx.me]);
  const targetAddress = await target.getAddress();
  const adapter = await deployContract(ctx.deployer, "ERC4626Adapter", [ctx.allocator, targetAddress]);
  return { adapter: await adapter.getAddress(), target: targetAddress };
}

/**
 * Deploys the Aave v3 market (base asset borrowable, `other` as collateral), seeds liquidity and an opening
 * borrow from the deployer (so utilisation and rates are non-zero), and the supply adapter.
 */
export async function deployAaveSource(
  ctx: SourceContext,
  other: { token: Deployed; symbol: string; decimals: number; feed: string },
  seed: { supplyBase: bigint; collateralOther: bigint; borrowBase: bigint },
): Promise<{ adapter: string; market: AaveMarket }> {
  const otherAddr = await other.token.getAddress();
  const market = await deployAaveV3(ctx.deployer, [
    { token: ctx.asset, symbol: "kUSDC", decimals: 6, feed: ctx.baseFeed, borrowing: true },
    {
      token: otherAddr,
      symbol: other.symbol,
      decimals: other.decimals,
      feed: other.feed,
      borrowing: false,
      collateral: { ltvBps: 8_000, liquidationThresholdBps: 8_250, liquidationBonusBps: 10_500 },
    },
  ]);
  const pool = new Contract(market.pool, aavePoolAbi(), ctx.deployer);
  if (seed.supplyBase > 0n) {
    await send(ctx.token, "mint", [ctx.me, seed.supplyBase]);
    await send(ctx.token, "approve", [market.pool, seed.supplyBase]);
    await send(pool, "supply", [ctx.asset, seed.supplyBase, ctx.me, 0]);
  }
  if (seed.collateralOther > 0n) {
    await send(other.token, "mint", [ctx.me, seed.collateralOther]);
    await send(other.token, "approve", [market.pool, seed.collateralOther]);
    await send(pool, "supply", [otherAddr, seed.collateralOther, ctx.me, 0]);
    if (seed.borrowBase > 0n) await send(pool, "borrow", [ctx.asset, seed.borrowBase, 2, 0, ctx.me]);
  }
  const aToken = market.reserves[ctx.asset]?.aToken;
  if (!aToken) throw new Error("Aave reserve for the base asset was not listed");
  const adapter = await deployContract(ctx.deployer, "AaveV3Adapter", [ctx.allocator, market.pool, aToken]);
  return { adapter: await adapter.getAddress(), market };
}

/** Deploys the Uniswap v2 base/other pair seeded at the oracle price, and the LP adapter. */
export async function deployUniswapSource(
  ctx: SourceContext,
  other: { token: Deployed; feed: string },
  seed: { base: bigint; other: bigint },
  risk: { maxOracleAgeSeconds: bigint; slippageBps: bigint },
): Promise<{ adapter: string; market: UniswapV2Market }> {
  await send(ctx.token, "mint", [ctx.me, seed.base]);
  await send(other.token, "mint", [ctx.me, seed.other]);
  const market = await deployUniswapV2Pair(ctx.deployer, ctx.token, other.token, seed.base, seed.other);
  const adapter = await deployContract(ctx.deployer, "UniswapV2LpAdapter", [
    ctx.allocator,
    market.pair,
    ctx.baseFeed,
    other.feed,
    risk.maxOracleAgeSeconds,
    risk.slippageBps,
  ]);
  return { adapter: await adapter.getAddress(), market };
}

/** An ethers handle on a keel contract by artifact name. */
export function keelContract(name: string, address: string, runner: Signer): Contract {
  return new Contract(address, loadArtifact(name).abi, runner);
}
