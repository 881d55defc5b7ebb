import type { Contract } from "ethers";
import type { KeeperBounds } from "../../domain/snapshot.ts";

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
