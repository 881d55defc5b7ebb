// Gas of the Uniswap v3 position adapter on the devnet (real v3-core pool, v3-periphery position manager): the
// allocator's deposit and withdrawal moves, the keeper's re-range (remove, swap to the new ratio, mint, book) and
// the price-free emergency exit. One JSON line per figure on stdout, named like contracts.bench.ts's.
import type { ContractTransactionResponse } from "ethers";
import { openTestChain } from "../test/support/chain.ts";
import { intent, keel, move, NO_COMMITMENT, USDC } from "../test/support/keel.ts";
import { deployWithV3, v3Helpers } from "../test/support/uniswapV3.ts";

const emit = (name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ bench: `contracts.${name}`, value, unit, ...extra })}\n`);
};

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return Number(receipt.gasUsed);
}

const t = await openTestChain();
try {
  const a = await t.accounts();
  const d = await deployWithV3(a, 2_000_000n, { bounds: { cooldownSeconds: 0n } });
  const v3 = v3Helpers(d, a);
  const manager = keel("KeelAllocator", d.allocator, a.manager);
  const rebalance = (deposit: boolean, assets: bigint) =>
    gasOf(manager.getFunction("rebalance")(intent(), [move(v3.address, deposit, assets)], NO_COMMITMENT));
  const kinds = { adapters: 1, kinds: "lp", protocol: "uniswap-v3" };
  // The first deposit mints the position NFT; the steady-state figure is the second (increaseLiquidity).
  emit("rebalance.v3Open", await rebalance(true, 100_000n * USDC), "gas", kinds);
  emit("rebalance.v3Deposit", await rebalance(true, 100_000n * USDC), "gas", kinds);
  emit("rebalance.v3Withdraw", await rebalance(false, 50_000n * USDC), "gas", kinds);
  await v3.movePrice(3_300n);
  const r = await v3.centred(2_400);
  emit("v3.rerange", await gasOf(v3.adapter.connect(a.keeper).getFunction("rerange")(r.lower, r.upper)), "gas", {
    width: 2_400,
    note: "burn old NFT, swap to the new ratio, mint, report",
  });
  emit("v3.emergencyExit", await gasOf(manager.getFunction("emergencyExit")(v3.address)), "gas", kinds);
} finally {
  await t.close();
}
