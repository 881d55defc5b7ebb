import type { Provider, Signer } from "ethers";
import type { RangeLimits } from "../../domain/snapshot.ts";
import { UniswapV3LpAdapterAbi, UniswapV3PoolAbi } from "./abi/generated.ts";
import { read, typedContract, write } from "./typedContract.ts";

/** Reads the adapter's on-chain range limits, its last re-range and the pool's tick spacing. */
export async function readRangeLimits(adapter: string, provider: Provider): Promise<RangeLimits> {
  const a = typedContract(adapter, UniswapV3LpAdapterAbi, provider);
  const [minW, maxW, offset, interval, last, pool] = await Promise.all([
    read(a, "minWidthTicks", []),
    read(a, "maxWidthTicks", []),
    read(a, "maxCentreOffsetBps", []),
    read(a, "minRerangeInterval", []),
    read(a, "lastRerangeAt", []),
    read(a, "pool", []),
  ]);
  const spacing = await read(typedContract(pool, UniswapV3PoolAbi, provider), "tickSpacing", []);
  return {
    minWidthTicks: Number(minW),
    maxWidthTicks: Number(maxW),
    maxCentreOffsetBps: Number(offset),
    minRerangeIntervalSeconds: Number(interval),
    tickSpacing: Number(spacing),
    lastRerangeAt: Number(last),
  };
}

/** Sends `rerange(tickLower, tickUpper)` from the keeper and waits for it; returns the hash and the gas it used. */
export async function sendRerange(
  keeper: Signer,
  adapter: string,
  range: { tickLower: number; tickUpper: number },
): Promise<{ hash: string; gasUsed: bigint }> {
  const a = typedContract(adapter, UniswapV3LpAdapterAbi, keeper);
  const tx = await write(a, "rerange", [range.tickLower, range.tickUpper]);
  const receipt = await tx.wait();
  if (!receipt) throw new Error(`re-range ${tx.hash} has no receipt`);
  return { hash: tx.hash, gasUsed: receipt.gasUsed };
}
