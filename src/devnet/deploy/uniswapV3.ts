import { type BaseContract, Contract, type Signer } from "ethers";
import { UniswapV3FactoryAbi, UniswapV3PoolAbi } from "../../adapters/ethers/abi/generated.ts";
import { loadPackageArtifact } from "../../adapters/ethers/artifacts.ts";
import { read, typedContract } from "../../adapters/ethers/typedContract.ts";
import { deployArtifact, send } from "./contract.ts";

/** A Uniswap v3 pool with its factory and position manager, deployed from `@uniswap/v3-core` / `-periphery`. */
export interface UniswapV3Market {
  factory: string;
  pool: string;
  positionManager: string;
  /** The periphery's SwapRouter over the same factory (the market's traders). */
  router: string;
  token0: string;
  token1: string;
  fee: number;
  tickSpacing: number;
}

const Q96 = 1n << 96n;

/** Integer square root. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x && x * x <= n && (x + 1n) * (x + 1n) > n) return x;
    x = y;
  }
}

/** sqrt(num / den) · 2^96, the sqrtPriceX96 of a raw token1-per-token0 price num / den. */
export function sqrtPriceX96(num: bigint, den: bigint): bigint {
  return isqrt((num * Q96 * Q96) / den);
}

/** The tick at a sqrtPriceX96 (floating point; exact enough to place ranges), rounded down to `spacing`. */
export function tickAt(sqrtX96: bigint, spacing: number): number {
  const price = (Number(sqrtX96) / Number(Q96)) ** 2;
  const tick = Math.floor(Math.log(price) / Math.log(1.0001));
  return Math.floor(tick / spacing) * spacing;
}

/** A range `width` ticks wide (a multiple of 2 × spacing) centred on `sqrtX96`, aligned to `spacing`. */
export function centredRange(sqrtX96: bigint, width: number, spacing: number): { lower: number; upper: number } {
  const centre = tickAt(sqrtX96, spacing);
  return { lower: centre - width / 2, upper: centre + width / 2 };
}

/**
 * Deploys the Uniswap v3 factory, the position manager and the (tokenA, tokenB, fee) pool at `sqrtPriceX96`
 * (token1 per token0), then adds `amountA` / `amountB` (which the deployer must hold) as the deployer's position
 * over ±`seedWidthTicks` / 2 around the opening price.
 */
export async function deployUniswapV3Pool(
  deployer: Signer,
  tokens: { a: BaseContract; b: BaseContract; amountA: bigint; amountB: bigint },
  opening: { openingSqrtPriceX96: (aIs0: boolean) => bigint; fee: number; seedWidthTicks: number },
): Promise<UniswapV3Market> {
  const me = await deployer.getAddress();
  const core = (name: string) =>
    loadPackageArtifact("@uniswap/v3-core", `artifacts/contracts/${name}.sol/${name}.json`);
  const factory = await deployArtifact(deployer, core("UniswapV3Factory"));
  const [a, b] = [await tokens.a.getAddress(), await tokens.b.getAddress()];
  const aIs0 = a.toLowerCase() < b.toLowerCase();
  const [token0, token1] = aIs0 ? [a, b] : [b, a];
  // WETH9 (only for ETH payments, unused here) is token B; no token descriptor (tokenURI is not used).
  const npm = await deployArtifact(
    deployer,
    loadPackageArtifact(
      "@uniswap/v3-periphery",
      "artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
    ),
    [await factory.getAddress(), b, "0x0000000000000000000000000000000000000000"],
  );
  const router = await deployArtifact(
    deployer,
    loadPackageArtifact("@uniswap/v3-periphery", "artifacts/contracts/SwapRouter.sol/SwapRouter.json"),
    [await factory.getAddress(), b],
  );
  await send(factory, "createPool", [a, b, opening.fee]);
  const factoryAt = typedContract(await factory.getAddress(), UniswapV3FactoryAbi, deployer);
  const poolAddr = await read(factoryAt, "getPool", [a, b, opening.fee]);
  const pool = typedContract(poolAddr, UniswapV3PoolAbi, deployer);
  const sqrtP = opening.openingSqrtPriceX96(aIs0);
  await send(pool, "initialize", [sqrtP]);
  const spacing = Number(await read(pool, "tickSpacing", []));
  const range = centredRange(sqrtP, opening.seedWidthTicks, spacing);
  const npmAddr = await npm.getAddress();
  await send(tokens.a, "approve", [npmAddr, tokens.amountA]);
  await send(tokens.b, "approve", [npmAddr, tokens.amountB]);
  const [amount0, amount1] = aIs0 ? [tokens.amountA, tokens.amountB] : [tokens.amountB, tokens.amountA];
  const deadline = 2n ** 32n;
  await send(npm, "mint", [
    [token0, token1, opening.fee, range.lower, range.upper, amount0, amount1, 0n, 0n, me, deadline],
  ]);
  return {
    factory: await factory.getAddress(),
    pool: poolAddr,
    positionManager: npmAddr,
    router: await router.getAddress(),
    token0,
    token1,
    fee: opening.fee,
    tickSpacing: spacing,
  };
}

/** The periphery SwapRouter's ABI as Uniswap ships it. */
export function swapRouterAbi() {
  return loadPackageArtifact("@uniswap/v3-periphery", "artifacts/contracts/SwapRouter.sol/SwapRouter.json").abi;
}

/**
 * Sells `amountIn` of `tokenIn` (which `trader` holds) for `tokenOut` through the SwapRouter, with no minimum out
 * and a price limit when given (sqrtPriceX96; 0: none).
 */
export async function swapExactInput(
  trader: Signer,
  market: Pick<UniswapV3Market, "router" | "fee">,
  trade: { tokenIn: BaseContract; tokenOut: string; amountIn: bigint; sqrtPriceLimitX96?: bigint },
): Promise<void> {
  const me = await trader.getAddress();
  const router = new Contract(market.router, swapRouterAbi(), trader);
  const tokenIn = trade.tokenIn.connect(trader) as BaseContract;
  await send(tokenIn, "approve", [market.router, trade.amountIn]);
  await send(router, "exactInputSingle", [
    [
      await trade.tokenIn.getAddress(),
      trade.tokenOut,
      market.fee,
      me,
      2n ** 32n,
      trade.amountIn,
      0n,
      trade.sqrtPriceLimitX96 ?? 0n,
    ],
  ]);
}
