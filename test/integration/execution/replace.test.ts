import { expect } from "chai";
import { id } from "ethers";
import { createDirectExecutor, lifecycleDeps } from "../../../src/adapters/execution/direct.ts";
import { countRebalanced } from "../../../src/adapters/execution/events.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { openMemoryIntentStore } from "../../../src/execution/memoryIntentStore.ts";
import { reconcileIntent } from "../../../src/execution/reconcile.ts";
import { depositIntent, type ExecFixture, execFixture } from "./fixture.ts";

describe("stuck transactions: replace at the same nonce, or cancel with a no-op", function () {
  this.timeout(60_000);
  let f: ExecFixture;
  const codec = loadAllocatorCodec();
  const signal = new AbortController().signal;
  const replace = { stuckAfterMs: 0, bumpBps: 1_250, maxFeePerGasWei: 1_000_000_000_000n };

  before(async () => {
    f = await execFixture();
  });
  after(async () => {
    await f.close();
  });

  async function stuck(intentId: string) {
    const store = openMemoryIntentStore();
    const deps = { signer: f.keeper, provider: f.provider, codec, store };
    const exec = createDirectExecutor(
      { allocator: f.deployment.allocator, receiptTimeoutMs: 50, receiptPollMs: 10 },
      deps,
    );
    await f.provider.send("evm_setAutomine", [false]);
    const action = await exec.execute(depositIntent(f, intentId, "10"), signal);
    expect(action.status).to.equal("sent");
    return { store, lc: lifecycleDeps({ allocator: f.deployment.allocator }, deps) };
  }

  it("re-prices a stuck rebalance by ≥ 10 % at the same nonce; whichever hash mines, one effect", async () => {
    const { store, lc } = await stuck("stuck-bump");
    try {
      const first = store.get("stuck-bump")!;
      const bumped = await reconcileIntent(lc, first, { confirmations: 1, replace });
      expect(bumped.txs).to.have.length(2);
      expect(BigInt(bumped.txs[1]!.maxFeePerGasWei)).to.equal(56_250_000_000n);
      const tx = await f.provider.getTransaction(bumped.txs[1]!.hash);
      expect(tx?.nonce).to.equal(first.nonce);
      await f.provider.send("evm_mine", []);
      const done = await reconcileIntent(lc, store.get("stuck-bump")!, { confirmations: 1 });
      expect(done.state).to.be.oneOf(["included", "final"]);
      expect(done.includedTx).to.equal(bumped.txs[1]!.hash);
      expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("stuck-bump"))).to.equal(1);
    } finally {
      await f.provider.send("evm_setAutomine", [true]);
    }
  });

  it("cancels with a same-nonce no-op when the opportunity is gone (the call would now revert)", async () => {
    const { store, lc } = await stuck("stuck-cancel");
    try {
      const first = store.get("stuck-cancel")!;
      expect(await f.provider.send("hardhat_dropTransaction", [first.txs[0]!.hash])).to.equal(true);
      await f.vault.connect(f.guardian).getFunction("pause")();
      await f.provider.send("evm_mine", []);
      const cancelled = await reconcileIntent(lc, first, { confirmations: 1, replace });
      expect(cancelled.txs.at(-1)?.kind).to.equal("cancel");
      await f.provider.send("evm_mine", []);
      const done = await reconcileIntent(lc, store.get("stuck-cancel")!, { confirmations: 1 });
      expect(done.state).to.equal("cancelled");
      expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("stuck-cancel"))).to.equal(0);
      expect(await f.provider.getTransactionCount(f.keeper.address)).to.equal((first.nonce ?? 0) + 1);
    } finally {
      await f.provider.send("evm_setAutomine", [true]);
      await (await f.vault.getFunction("unpause")()).wait();
    }
  });
});
