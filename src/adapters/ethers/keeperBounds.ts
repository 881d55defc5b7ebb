import { Contract, type Provider } from "ethers";
import type { KeeperBounds } from "../../domain/snapshot.ts";
import type { BoundsView } from "../../execution/signingPolicy.ts";
import { ALLOCATOR_ABI, VAULT_ABI } from "./abis.ts";

/** Reads the allocator's on-chain bounds on the keeper at `block`; every read goes through `q` (the read queue). */
export async function readKeeperBounds(
  allocator: Contract,
  q: <T>(fn: () => Promise<T>) => Promise<T>,
  adapters: string[],
  block: number,
  now: number,
): Promise<KeeperBounds> {
  const at = { blockTag: block };
  const [b, last, day, today, caps] = (await Promise.all([
    q(() => allocator.getFunction("bounds")(at)),
    q(() => allocator.getFunction("lastRebalanceAt")(at)),
    q(() => allocator.getFunction("rebalanceDay")(at)),
    q(() => allocator.getFunction("rebalancesToday")(at)),
    Promise.all(adapters.map((a) => q(() => allocator.getFunction("adapterCapBps")(a, at)))),
  ])) as [Record<string, bigint>, bigint, bigint, bigint, bigint[]];
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
  const alloc = new Contract(allocator, ALLOCATOR_ABI, provider);
  const at = { blockTag: head.number };
  const [adapters, totalAssets] = (await Promise.all([
    alloc.getFunction("getAdapters")(at),
    new Contract(vault, VAULT_ABI, provider).getFunction("totalAssets")(at),
  ])) as [string[], bigint];
  const keeper = await readKeeperBounds(alloc, (fn) => fn(), [...adapters], head.number, head.timestamp);
  return { block: head.number, totalAssets, keeper };
}
