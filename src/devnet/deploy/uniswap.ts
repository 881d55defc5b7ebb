import { type BaseContract, Contract, type Signer } from "ethers";
import { loadPackageArtifact } from "../../adapters/ethers/artifacts.ts";
import { deployArtifact, send } from "./contract.ts";

/** A Uniswap v2 pair deployed from `@uniswap/v2-core`'s own build. */
export interface UniswapV2Market {
  factory: string;
  pair: string;
  token0: string;
  token1: string;
}

/** The pair's ABI as Uniswap ships it. */
export function uniswapV2PairAbi() {
  return loadPackageArtifact("@uniswap/v2-core", "build/UniswapV2Pair.json").abi;
}

/**
 * Deploys the Uniswap v2 factory, creates the (tokenA, tokenB) pair and seeds it with `amountA` / `amountB`
 * (which the deployer must hold), minting the first LP tokens to the deployer.
 */
export async function deployUniswapV2Pair(
  deployer: Signer,
  tokenA: BaseContract,
  tokenB: BaseContract,
  amountA: bigint,
  amountB: bigint,
): Promise<UniswapV2Market> {
  const me = await deployer.getAddress();
  const factory = await deployArtifact(
    deployer,
    loadPackageArtifact("@uniswap/v2-core", "build/UniswapV2Factory.json"),
    [me],
  );
  const [a, b] = [await tokenA.getAddress(), await tokenB.getAddress()];
  await send(factory, "createPair", [a, b]);
  const pairAddr = (await factory.getFunction("getPair")(a, b)) as string;
  const pair = new Contract(pairAddr, uniswapV2PairAbi(), deployer);
  await send(tokenA, "transfer", [pairAddr, amountA]);
  await send(tokenB, "transfer", [pairAddr, amountB]);
  await send(pair, "mint", [me]);
  return {
    factory: await factory.getAddress(),
    pair: pairAddr,
    token0: (await pair.getFunction("token0")()) as string,
    token1: (await pair.getFunction("token1")()) as string,
  };
}
