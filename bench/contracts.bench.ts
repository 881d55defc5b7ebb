// Gas per vault operation and per rebalance by number of adapters touched, on the devnet deployment (real
// Aave v3 and Uniswap v2 sources), plus a longer invariant run than CI's. One JSON line per figure on stdout.
// KEEL_BENCH_INVARIANT_RUNS (default 1000) sets the invariant sequences; 0 skips them.
import type { Contract, JsonRpcSigner } from "ethers";
import { send } from "../src/devnet/deploy/contract.ts";
import { deployKeel } from "../src/devnet/deploy/keel.ts";
import { openTestChain } from "../test/support/chain.ts";
import { runInvariant } from "../test/support/invariant.ts";
import { intent, keel, move, NO_COMMITMENT, USDC } from "../test/support/keel.ts";
import { emit, gasOf } from "./gas.ts";

const t = await openTestChain();
try {
  const a = await t.accounts();
  // No keeper cool-down, so the keeper figures can follow each other.
  const d = await deployKeel(a.deployer, {
    manager: a.manager.address,
    keeper: a.keeper.address,
    guardian: a.guardian.address,
    bounds: { cooldownSeconds: 0n },
  });
  const token = keel("TestToken", d.asset.address, a.deployer);
  const vault = (u: JsonRpcSigner): Contract => keel("KeelVault", d.vault, u);
  const manager = keel("KeelAllocator", d.allocator, a.manager);
  for (const u of [a.alice, a.bob]) {
    await send(token, "mint", [u.address, 10_000_000n * USDC]);
    await send(token.connect(u), "approve", [d.vault, 10_000_000n * USDC]);
  }
  // First deposit pays for fresh storage; the steady-state figure is the second one.
  await send(vault(a.alice), "deposit", [1_000_000n * USDC, a.alice.address]);
  emit("deposit", await gasOf(vault(a.bob).getFunction("deposit")(1_000_000n * USDC, a.bob.address)), "gas");
  emit(
    "withdraw.fromIdle",
    await gasOf(vault(a.bob).getFunction("withdraw")(10_000n * USDC, a.bob.address, a.bob.address)),
    "gas",
  );

  const [vA, vB, aave, lp] = d.adapters.map((x) => x.address) as [string, string, string, string];
  const rebalance = (moves: ReturnType<typeof move>[]) =>
    gasOf(manager.getFunction("rebalance")(intent(), moves, NO_COMMITMENT));
  const amt = 100_000n * USDC;
  // Warm every source once (first writes to fresh storage would dominate the comparison).
  await rebalance(d.adapters.map((x) => move(x.address, true, 1_000n * USDC)));
  emit("rebalance.adapters1", await rebalance([move(vA, true, amt)]), "gas", { adapters: 1, kinds: "vault" });
  emit("rebalance.adapters2", await rebalance([move(vA, true, amt), move(vB, true, amt)]), "gas", {
    adapters: 2,
    kinds: "vault,vault",
  });
  emit(
    "rebalance.adapters3",
    await rebalance([move(vA, true, amt), move(vB, true, amt), move(aave, true, amt)]),
    "gas",
    {
      adapters: 3,
      kinds: "vault,vault,lending",
    },
  );
  emit("rebalance.lpDeposit", await rebalance([move(lp, true, amt)]), "gas", { adapters: 1, kinds: "lp" });
  emit("rebalance.lpWithdraw", await rebalance([move(lp, false, amt / 2n)]), "gas", { adapters: 1, kinds: "lp" });
  emit("rebalance.aaveWithdraw", await rebalance([move(aave, false, amt / 2n)]), "gas", {
    adapters: 1,
    kinds: "lending",
  });

  // The keeper's path adds its bounds: rate, per-adapter flows, move/loss/idle, the rolling 24 h budgets.
  const keeper = keel("KeelAllocator", d.allocator, a.keeper);
  const keeperRebalance = (moves: ReturnType<typeof move>[]) =>
    gasOf(keeper.getFunction("rebalance")(intent(), moves, NO_COMMITMENT));
  await keeperRebalance([move(vA, true, 1_000n * USDC)]); // warm the budget window
  emit("rebalance.keeper.adapters1", await keeperRebalance([move(vA, true, 10_000n * USDC)]), "gas", {
    adapters: 1,
    kinds: "vault",
  });
  emit(
    "rebalance.keeper.adapters2",
    await keeperRebalance([move(vA, true, 10_000n * USDC), move(vB, true, 10_000n * USDC)]),
    "gas",
    { adapters: 2, kinds: "vault,vault" },
  );

  // A withdrawal larger than idle: pulls the rest from the first lossless adapter(s) in order.
  const idle = (await vault(a.bob).getFunction("idle")()) as bigint;
  await rebalance([move(vA, true, 500_000n * USDC), move(vB, true, idle - 600_000n * USDC)]);
  emit(
    "withdraw.pullingFromAdapter",
    await gasOf(vault(a.alice).getFunction("withdraw")(300_000n * USDC, a.alice.address, a.alice.address)),
    "gas",
  );
  emit("shutdown.unwind4", await gasOf(vault(a.manager).getFunction("shutdown")()), "gas", { adapters: 4 });

  const runs = Number(process.env.KEEL_BENCH_INVARIANT_RUNS ?? 1000);
  if (runs > 0) {
    const t2 = await openTestChain();
    try {
      const started = performance.now();
      const { steps, outcomes } = await runInvariant(t2, await t2.accounts(), runs);
      const seconds = (performance.now() - started) / 1000;
      emit("invariant.sequences", runs, "sequences", { steps, seconds: Math.round(seconds * 10) / 10 });
      // How the steps ended, by kind (e.g. rebalance:keeper:DailyLossBudgetExceeded): what the run covered.
      for (const [key, n] of Object.entries(outcomes).sort()) emit(`invariant.outcome.${key}`, n, "steps");
      emit("invariant.throughput", Math.round((runs / seconds) * 10) / 10, "sequences/s");
    } finally {
      await t2.close();
    }
  }
} finally {
  await t.close();
}
