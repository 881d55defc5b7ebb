import type { Provider } from "ethers";
import type { RebalancedEvent } from "../../ports/chainReader.ts";
import type { AllocatorCodec } from "./allocatorCodec.ts";

/**
 * Finds `Rebalanced(intentId)` on the allocator within the last `lookbackBlocks` blocks (the
 * intent id is an indexed topic, so this is one log query). Undefined when there is none.
 */
export async function findRebalanced(
  provider: Provider,
  codec: AllocatorCodec,
  allocator: string,
  onchainIntentId: string,
  lookbackBlocks = 50_000,
): Promise<RebalancedEvent | undefined> {
  const head = await provider.getBlockNumber();
  const logs = await provider.getLogs({
    address: allocator,
    topics: [codec.rebalancedTopic, onchainIntentId],
    fromBlock: Math.max(0, head - lookbackBlocks),
    toBlock: head,
  });
  const first = logs[0];
  if (!first) return undefined;
  const caller = first.topics[2] ? `0x${first.topics[2].slice(26)}` : "";
  let commitment: RebalancedEvent["commitment"];
  try {
    const c = codec.iface.parseLog(first)?.args.commitment as {
      snapshotHash: string;
      modelHash: string;
      configHash: string;
    };
    if (c) commitment = { snapshotHash: c.snapshotHash, modelHash: c.modelHash, configHash: c.configHash };
  } catch {
    commitment = undefined;
  }
  return { txHash: first.transactionHash, block: first.blockNumber, caller, ...(commitment ? { commitment } : {}) };
}

/** Counts `Rebalanced(intentId)` events (tests and reconciliation use it: at most one per intent). */
export async function countRebalanced(
  provider: Provider,
  codec: AllocatorCodec,
  allocator: string,
  onchainIntentId: string,
): Promise<number> {
  const logs = await provider.getLogs({
    address: allocator,
    topics: [codec.rebalancedTopic, onchainIntentId],
    fromBlock: 0,
    toBlock: "latest",
  });
  return logs.length;
}
