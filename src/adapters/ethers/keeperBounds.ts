import type { Provider } from "ethers";
import type { KeeperBounds } from "../../domain/snapshot.ts";
import type { BoundsView } from "../../execution/signingPolicy.ts";
import { KeelAllocatorAbi, KeelVaultAbi } from "./abi/generated.ts";
import { read, type TypedContract, typedContract } from "./typedContract.ts";

/** Reads the allocator's on-chain bounds on the keeper at `block`; every read goes through `q` (the read queue). */
export async function readKeeperBounds(
  allocator: TypedContract<typeof KeelAllocatorAbi>,
  q: <T>(fn: () => Promise<T>) => Promise<T>,
  adapters: readonly string[],
  block: number,
  now: number,
): Promise<KeeperBounds> {
  const at = { blockTag: block };
  const [b, last, day, today, caps] = await Promise.all([
    q(() => read(allocator, "bounds", [], at)),
    q(() => read(allocator, "lastRebalanceAt", [], at)),
    q(() => read(allocator, "rebalanceDay", [], at)),
    q(() => read(allocator, "rebalancesToday", [], at)),
    Promise.all(adapters.map((a) => q(() => read(allocator, "adapterCapBps", [a], at)))),
  ]);
  return {
    maxMoveBps: Number(b.maxMoveBps),
    maxLossBps: Number(b.maxLossBps),
    minIdleBps: Number(b.minIdleBps),
    cooldownSeconds: Number(b.cooldownSeconds),
    maxRebalancesPerDay: Number(b.maxRebalancesPerDay),
    lastRebalanceAt: Number(last),
    // The allocator resets its counter on the first rebalance of a new UTC day.
    rebalancesToday: Number(day) === Math.floor(now / 86_400) ? Number(today) : 0,
    adapterCapBps: Object.fromEntries(adapters.map((a, i) => [a, Number(caps[i])])),
  };
}

/**
 * The bounds the signing policy checks moves against, read now at the latest block (reconciliation at start
 * may resume a planned intent before any tick has read a snapshot).
 */
export async function readSigningBounds(provider: Provider, allocator: string, vault: string): Promise<BoundsView> {
  const head = await provider.getBlock("latest");
  if (!head) throw new Error("no latest block");
  const alloc = typedContract(allocator, KeelAllocatorAbi, provider);
  const at = { blockTag: head.number };
  const [adapters, totalAssets] = await Promise.all([
    read(alloc, "getAdapters", [], at),
    read(typedContract(vault, KeelVaultAbi, provider), "totalAssets", [], at),
  ]);
  const keeper = await readKeeperBounds(alloc, (fn) => fn(), [...adapters], head.number, head.timestamp);
  return { block: head.number, totalAssets, keeper };
}
