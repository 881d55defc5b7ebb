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
    // The run exercised what it claims to (with any seed, 200 sequences make each of these near-certain).
    for (const key of [
      "rebalance:keeper:ok",
      "rebalance:manager:ok",
      "idleWithdraw:ok",
      "withdraw:ok",
      "jit:nothing",
    ]) {
      expect(outcomes[key] ?? 0, key).to.be.gt(0);
    }
  });
});
