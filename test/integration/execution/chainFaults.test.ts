import { expect } from "chai";
import { id } from "ethers";
import { createDirectExecutor, lifecycleDeps } from "../../../src/adapters/execution/direct.ts";
import { countRebalanced } from "../../../src/adapters/execution/events.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { openMemoryIntentStore } from "../../../src/execution/memoryIntentStore.ts";
import { reconcileIntent } from "../../../src/execution/reconcile.ts";
import { depositIntent, type ExecFixture, execFixture } from "./fixture.ts";

describe("chain faults: a mined transaction vanishes; the keeper cannot pay", function () {
  this.timeout(60_000);
  let f: ExecFixture;
  const codec = loadAllocatorCodec();
  const signal = new AbortController().signal;

  before(async () => {
    f = await execFixture();
  });
  after(async () => {
    await f.close();
  });

  it("is final only after N confirmations; when its block vanishes it goes back to sent and the same raw tx lands again", async () => {
    const store = openMemoryIntentStore();
    const deps = { signer: f.keeper, provider: f.provider, codec, store };
    const exec = createDirectExecutor({ allocator: f.deployment.allocator, confirmations: 3 }, deps);
    const snapshot = (await f.provider.send("evm_snapshot", [])) as string;
    const action = await exec.execute(depositIntent(f, "vanish-1", "10"), signal);
    expect(store.get("vanish-1")?.state).to.equal("included");
    const rawHash = store.get("vanish-1")?.txs[0]?.hash;
    expect(action.txHashes).to.deep.equal([rawHash]);
    // The block "vanishes" (the closest thing to a reorg on a local chain).
    await f.provider.send("evm_revert", [snapshot]);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("vanish-1"))).to.equal(0);
    const lc = lifecycleDeps({ allocator: f.deployment.allocator }, deps);
    const back = await reconcileIntent(lc, store.get("vanish-1")!, { confirmations: 3 });
    expect(back.state).to.equal("sent");
    expect(back.error?.code).to.equal("TX_VANISHED");
    const again = await reconcileIntent(lc, back, { confirmations: 3 });
    expect(again.txs).to.have.length(1);
    for (let i = 0; i < 3; i++) await f.provider.send("evm_mine", []);
    const done = await reconcileIntent(lc, store.get("vanish-1")!, { confirmations: 3 });
    expect(done.state).to.equal("final");
    expect(done.includedTx).to.equal(rawHash);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("vanish-1"))).to.equal(1);
  });

  it("a final transaction the chain forgets is resent at its own nonce; a new intent never gets that nonce", async () => {
    const store = openMemoryIntentStore();
    const deps = { signer: f.keeper, provider: f.provider, codec, store };
    const exec = createDirectExecutor({ allocator: f.deployment.allocator, confirmations: 1 }, deps);
    const snapshot = (await f.provider.send("evm_snapshot", [])) as string;
    await exec.execute(depositIntent(f, "deep-1", "10"), signal);
    const first = store.get("deep-1")!;
    expect(first.state).to.equal("final");
    // Deeper than the confirmation depth: the chain forgets the final transaction and its nonce.
    await f.provider.send("evm_revert", [snapshot]);
    expect(await f.provider.getTransactionCount(f.keeper.address)).to.equal(first.nonce);

    const err = await exec.execute(depositIntent(f, "deep-2", "10"), signal).catch((e: unknown) => e);
    expect((err as KeelError).code).to.equal("INTENT_IN_FLIGHT");
    expect(store.get("deep-2")).to.equal(undefined);
    const reopened = store.get("deep-1")!;
    expect(reopened.error?.code).to.equal("TX_VANISHED");
    expect(reopened.txs.map((t) => t.hash)).to.deep.equal(first.txs.map((t) => t.hash));

    // The same signed transaction lands again (automine); then the next intent takes the next nonce.
    await exec.execute(depositIntent(f, "deep-2", "10"), signal);
    expect(store.get("deep-1")?.state).to.equal("final");
    expect(store.get("deep-1")?.includedTx).to.equal(first.txs[0]?.hash);
    expect(store.get("deep-2")?.state).to.equal("final");
    expect(store.get("deep-2")?.nonce).to.equal((first.nonce as number) + 1);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("deep-1"))).to.equal(1);
  });

  it("refuses to sign when the keeper cannot pay the worst-case fee, spending no nonce", async () => {
    const store = openMemoryIntentStore();
    const exec = createDirectExecutor(
      { allocator: f.deployment.allocator },
      { signer: f.keeper, provider: f.provider, codec, store },
    );
    const before = await f.provider.getBalance(f.keeper.address);
    const nonce = await f.provider.getTransactionCount(f.keeper.address);
    await f.provider.send("hardhat_setBalance", [f.keeper.address, "0x1000"]);
    try {
      const err = await exec.execute(depositIntent(f, "broke-1", "10"), signal).catch((e: unknown) => e);
      expect((err as KeelError).code).to.equal("KEEPER_INSUFFICIENT_FUNDS");
      expect(err).to.be.instanceOf(KeelError);
      expect(store.get("broke-1")?.state).to.equal("failed");
      expect(await f.provider.getTransactionCount(f.keeper.address)).to.equal(nonce);
    } finally {
      await f.provider.send("hardhat_setBalance", [f.keeper.address, `0x${before.toString(16)}`]);
    }
  });
});
