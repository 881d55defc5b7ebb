import type { BaseContract, Signer } from "ethers";
import { UniswapV2FactoryAbi, UniswapV2PairAbi } from "../../adapters/ethers/abi/generated.ts";
import { loadPackageArtifact } from "../../adapters/ethers/artifacts.ts";
import { read, typedContract } from "../../adapters/ethers/typedContract.ts";
import { deployArtifact, send } from "./contract.ts";

/** A Uniswap v2 pair deployed from `@uniswap/v2-core`'s own build. */
export interface UniswapV2Market {
  factory: string;
  pair: string;
  token0: string;
  token1: string;
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
  const pairAddr = await read(typedContract(await factory.getAddress(), UniswapV2FactoryAbi, deployer), "getPair", [
    a,
    b,
  ]);
  const pair = typedContract(pairAddr, UniswapV2PairAbi, deployer);
  await send(tokenA, "transfer", [pairAddr, amountA]);
  await send(tokenB, "transfer", [pairAddr, amountB]);
  await send(pair, "mint", [me]);
  return {
    factory: await factory.getAddress(),
    pair: pairAddr,
    token0: await read(pair, "token0", []),
    token1: await read(pair, "token1", []),
  };
}
