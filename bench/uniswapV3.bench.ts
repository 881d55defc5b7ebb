import { openTestChain } from "../test/support/chain.ts";
import { intent, keel, move, NO_COMMITMENT, USDC } from "../test/support/keel.ts";
import { deployWithV3, v3Helpers } from "../test/support/uniswapV3.ts";
import { emit, gasOf } from "./gas.ts";

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
