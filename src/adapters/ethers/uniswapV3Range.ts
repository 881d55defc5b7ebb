import { Contract, type ContractTransactionResponse, type Provider, type Signer } from "ethers";
import type { RangeLimits } from "../../domain/snapshot.ts";

/** The Uniswap v3 position adapter's range limits and its keeper move. */
export const UNIV3_RANGE_ABI = [
  "function minWidthTicks() view returns (int24)",
  "function maxWidthTicks() view returns (int24)",
  "function maxCentreOffsetBps() view returns (uint256)",
  "function minRerangeInterval() view returns (uint256)",
  "function lastRerangeAt() view returns (uint256)",
  "function pool() view returns (address)",
  "function rerange(int24 tickLower, int24 tickUpper)",
  "event Reranged(int24 tickLower, int24 tickUpper, uint256 valueBefore, uint256 valueAfter)",
] as const;

const POOL_SPACING_ABI = ["function tickSpacing() view returns (int24)"] as const;

/** Reads the adapter's on-chain range limits, its last re-range and the pool's tick spacing. */
export async function readRangeLimits(adapter: string, provider: Provider): Promise<RangeLimits> {
  const a = new Contract(adapter, UNIV3_RANGE_ABI, provider);
  const call = (name: string) => a.getFunction(name)() as Promise<bigint | string>;
  const [minW, maxW, offset, interval, last, pool] = await Promise.all(
    ["minWidthTicks", "maxWidthTicks", "maxCentreOffsetBps", "minRerangeInterval", "lastRerangeAt", "pool"].map(call),
  );
  const spacing = await new Contract(String(pool), POOL_SPACING_ABI, provider).getFunction("tickSpacing")();
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
  const a = new Contract(adapter, UNIV3_RANGE_ABI, keeper);
  const tx = (await a.getFunction("rerange")(range.tickLower, range.tickUpper)) as ContractTransactionResponse;
  const receipt = await tx.wait();
  if (!receipt) throw new Error(`re-range ${tx.hash} has no receipt`);
  return { hash: tx.hash, gasUsed: receipt.gasUsed };
}
