import { Contract, type Signer } from "ethers";
import { AavePoolAbi } from "../../adapters/ethers/abi/generated.ts";
import { type AaveMarket, deployAaveV3 } from "./aave.ts";
import { type Deployed, deployContract, send } from "./contract.ts";
import { deployUniswapV2Pair, type UniswapV2Market } from "./uniswap.ts";
import { deployUniswapV3Pool, sqrtPriceX96, type UniswapV3Market } from "./uniswapV3.ts";

/** What the protocol fixtures need: the deployer (the devnet's market operator) and the base token. */
export interface FixtureContext {
  deployer: Signer;
  me: string;
  token: Deployed;
  asset: string;
  /** USD feed of the base asset. */
  baseFeed: string;
}

/** Units of a token with `decimals`. */
export const units = (n: bigint | number, decimals: number): bigint => BigInt(n) * 10n ** BigInt(decimals);

/**
 * Deploys an ERC-4626 YieldVault target owned by the deployer. `proxied`: the vault lives behind OpenZeppelin's
 * TransparentUpgradeableProxy (EIP-1967 slots; its ProxyAdmin is owned by the deployer), initialised atomically.
 */
export async function deployYieldVault(
  ctx: FixtureContext,
  label: string,
  opts: { proxied?: boolean } = {},
): Promise<string> {
  const target = await deployContract(ctx.deployer, "YieldVault", [
    ctx.asset,
    `Yield Vault ${label}`,
    `yv${label}`,
    ctx.me,
  ]);
  if (!opts.proxied) return target.getAddress();
  const init = target.interface.encodeFunctionData("initialize", [ctx.me]);
  const proxy = await deployContract(ctx.deployer, "DevnetProxy", [await target.getAddress(), ctx.me, init]);
  return proxy.getAddress();
}

/**
 * Deploys the Aave v3 market (base asset borrowable, `other` as collateral) and seeds liquidity and an opening
 * borrow from the deployer, so utilisation and rates are non-zero from the first block.
 */
export async function deployAaveFixture(
  ctx: FixtureContext,
  other: { token: Deployed; symbol: string; decimals: number; feed: string },
  seed: { supplyBase: bigint; collateralOther: bigint; borrowBase: bigint },
): Promise<AaveMarket> {
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
  const pool = new Contract(market.pool, AavePoolAbi, ctx.deployer);
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
  return market;
}

/** Deploys the Uniswap v2 base/other pair seeded at the oracle price. */
export async function deployUniswapFixture(
  ctx: FixtureContext,
  other: Deployed,
  seed: { base: bigint; other: bigint },
): Promise<UniswapV2Market> {
  await send(ctx.token, "mint", [ctx.me, seed.base]);
  await send(other, "mint", [ctx.me, seed.other]);
  return deployUniswapV2Pair(ctx.deployer, ctx.token, other, seed.base, seed.other);
}

/** Width (ticks) of the deployer's seed position in the v3 pool: ±~35 % around the opening price. */
const V3_SEED_WIDTH_TICKS = 6_000;

/**
 * Deploys a Uniswap v3 base/other pool (0.3 % tier) from the real v3-core / v3-periphery artifacts, opened at
 * `otherPerBase` (raw units of the other token per raw unit of base, as num / den) and seeded by the deployer.
 */
export async function deployUniswapV3Fixture(
  ctx: FixtureContext,
  other: Deployed,
  seed: { base: bigint; other: bigint; otherPerBase: { num: bigint; den: bigint } },
): Promise<UniswapV3Market> {
  await send(ctx.token, "mint", [ctx.me, seed.base]);
  await send(other, "mint", [ctx.me, seed.other]);
  const { num, den } = seed.otherPerBase;
  return deployUniswapV3Pool(
    ctx.deployer,
    { a: ctx.token, b: other, amountA: seed.base, amountB: seed.other },
    {
      openingSqrtPriceX96: (baseIs0) => (baseIs0 ? sqrtPriceX96(num, den) : sqrtPriceX96(den, num)),
      fee: 3_000,
      seedWidthTicks: V3_SEED_WIDTH_TICKS,
    },
  );
}
