import { expect } from "chai";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import { runInvariant } from "../support/invariant.ts";

/** Sequences per CI run; `npm run bench` runs more (bench/contracts.bench.ts). */
const RUNS = Number(process.env.KEEL_INVARIANT_RUNS ?? 200);
/** Replay a failing run: KEEL_INVARIANT_SEED=<seed printed by fast-check> (KEEL_INVARIANT_SHRINK=1 to shrink). */
const SEED = process.env.KEEL_INVARIANT_SEED === undefined ? undefined : Number(process.env.KEEL_INVARIANT_SEED);

describe("vault + allocator invariants over Aave, ERC-4626 and Uniswap v2 LP adapters (fast-check model)", function () {
  this.timeout(600_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  it(`hold through reverting views, stale and ≤ 0 feeds, pauses, shutdown, forced removal, manager moves, bound changes and JIT pairs (${RUNS} sequences)`, async () => {
    const { steps, outcomes } = await runInvariant(t, a, RUNS, SEED);
    expect(steps).to.be.gte(RUNS);
    // The run exercised each fault and move it claims to (with any seed, 200 sequences make each near-certain).
    const seen = (prefix: string, suffix = "") =>
      Object.entries(outcomes)
        .filter(([k]) => k.startsWith(prefix) && k.endsWith(suffix))
        .reduce((n, [, v]) => n + v, 0);
    for (const [what, n] of [
      ["keeper rebalance", seen("rebalance:keeper:ok")],
      ["manager rebalance", seen("rebalance:manager:ok")],
      ["sentinel rebalance", seen("rebalance:sentinel:")],
      ["reverting feed", seen("feed:", ":revert")],
      ["stale feed", seen("feed:", ":stale")],
      ["≤ 0 feed", seen("feed:", ":nonPositive")],
      ["paused ERC-4626 target", seen("targetPause:true")],
      ["vault pause", seen("pause:ok")],
      ["shutdown", seen("shutdown:ok")],
      ["forced removal", seen("forceRemove:ok")],
      ["bound change", seen("setBounds:ok")],
      ["budget change", seen("setBudgets:ok")],
      ["JIT pair", seen("jit:")],
      ["idle withdrawal", seen("idleWithdraw:ok")],
      ["withdrawal within maxWithdraw", seen("withdraw:ok")],
      ["redemption within maxRedeem", seen("redeem:ok")],
    ] as const) {
      expect(n, what).to.be.gt(0);
    }
  });
});
