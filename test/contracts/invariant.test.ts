import { expect } from "chai";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import { runInvariant } from "../support/invariant.ts";

/** Sequences per CI run; `npm run bench` runs more (bench/contracts.bench.ts). */
const RUNS = Number(process.env.KEEL_INVARIANT_RUNS ?? 200);
/** Replay a failing run: KEEL_INVARIANT_SEED=<seed printed by fast-check> (KEEL_INVARIANT_SHRINK=1 to shrink). */
const SEED = process.env.KEEL_INVARIANT_SEED === undefined ? undefined : Number(process.env.KEEL_INVARIANT_SEED);

describe("vault + allocator invariants (fast-check model)", function () {
  this.timeout(600_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  it(`keep totalAssets = Σ parts, share price monotone but for reported losses, and every keeper move in bounds (${RUNS} sequences)`, async () => {
    const steps = await runInvariant(t, a, RUNS, SEED);
    expect(steps).to.be.gte(RUNS);
  });
});
