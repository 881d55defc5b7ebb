import { expect } from "chai";
import { id } from "ethers";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import { buildWorld, tryTx } from "../support/invariantWorld.ts";
import { keel, move, NO_COMMITMENT } from "../support/keel.ts";

// The test chain's blocks follow the wall clock, so a transaction is estimated at one block time and, on a
// loaded machine, mined a second or more later. The gas a move burns changes with the block time (Aave's
// index updates write or skip storage), so an exact estimate ran out of gas: the invariant run's
// intermittent "manager rebalance reverted with unknown: 0x" (CI on 49e90c2, seed -1262291043).
describe("test chain: a transaction mined later than its estimate still has the gas it needs", function () {
  this.timeout(300_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  it("the invariant counterexample's manager rebalance, estimated at one block time and mined 1 or 7 s later", async () => {
    const build = () => buildWorld(a);
    const failures: string[] = [];
    for (const gap of [1, 2, 3, 5, 13, 60, 600, 3_600, 86_400]) {
      const w = await t.fixture(build);
      const snapTs = await t.latestTimestamp();
      const idle = (await w.vault.getFunction("idle")()) as bigint;
      // First action of the failing sequence: adapter 2 (Aave) 6267 bps, adapter 0 2040 + 1064 bps of idle / 3.
      const moves = [
        move(w.adapters[2]!, true, ((idle / 3n) * 6_267n) / 10_000n),
        move(w.adapters[0]!, true, ((idle / 3n) * 2_040n) / 10_000n),
        move(w.adapters[0]!, true, ((idle / 3n) * 1_064n) / 10_000n),
      ];
      const data = keel("KeelAllocator", w.d.allocator, a.manager).interface.encodeFunctionData("rebalance", [
        id("late-mined"),
        moves,
        NO_COMMITMENT,
      ]);
      await t.setNextTimestamp(snapTs + gap);
      // What a contract call through a test signer gets when it names no gas limit.
      const gasLimit = await t.provider.estimateGas({ from: a.manager.address, to: w.d.allocator, data });
      for (const later of [1, 7]) {
        await t.fixture(build);
        await t.setNextTimestamp(snapTs + gap + later);
        const err = await tryTx(a.manager.sendTransaction({ to: w.d.allocator, data, gasLimit }));
        if (err !== undefined) failures.push(`estimated at +${gap} s, mined at +${gap + later} s: ${err}`);
      }
    }
    expect(failures).to.deep.equal([]);
  });
});
