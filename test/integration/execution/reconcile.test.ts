import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { id } from "ethers";
import { createDirectExecutor, lifecycleDeps } from "../../../src/adapters/execution/direct.ts";
import { countRebalanced } from "../../../src/adapters/execution/events.ts";
import { openIntentStore } from "../../../src/adapters/execution/intentStore.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import type { FailpointName } from "../../../src/execution/lifecycle.ts";
import { reconcileOnStart } from "../../../src/execution/reconcile.ts";
import { depositIntent, type ExecFixture, execFixture } from "./fixture.ts";

class Crash extends Error {}

describe("crash-safe intents: crash at each failpoint, restart, reconcile (in process)", function () {
  this.timeout(60_000);
  let f: ExecFixture;
  const codec = loadAllocatorCodec();
  const dir = mkdtempSync(join(tmpdir(), "keel-reconcile-"));
  const signal = new AbortController().signal;

  before(async () => {
    f = await execFixture();
  });
  after(async () => {
    await f.close();
  });

  async function restart(path: string, extra: { adoptChainHistory?: boolean } = {}) {
    const store = await openIntentStore({ path, now: Date.now });
    const lc = lifecycleDeps(
      { allocator: f.deployment.allocator },
      { signer: f.keeper, provider: f.provider, codec, store },
    );
    const summary = await reconcileOnStart({ confirmations: 1, settleTimeoutMs: 10_000, pollMs: 10, ...extra }, lc);
    return { store, summary };
  }

  async function keeperTxNonces(): Promise<number[]> {
    const head = await f.provider.getBlockNumber();
    const nonces: number[] = [];
    for (let b = 0; b <= head; b++) {
      const block = await f.provider.getBlock(b, true);
      for (const tx of block?.prefetchedTransactions ?? []) if (tx.from === f.keeper.address) nonces.push(tx.nonce);
    }
    return nonces;
  }

  for (const point of ["after-nonce", "after-sign", "after-broadcast", "before-receipt"] as FailpointName[]) {
    it(`crash ${point}: after restart the intent has exactly one Rebalanced event and no nonce is used twice`, async () => {
      const path = join(dir, `${point}.json`);
      const store = await openIntentStore({ path, now: Date.now });
      const crashing = createDirectExecutor(
        { allocator: f.deployment.allocator },
        {
          signer: f.keeper,
          provider: f.provider,
          codec,
          store,
          failpoint: async (name) => {
            if (name === point) throw new Crash(name);
          },
        },
      );
      const intentId = `crash-${point}`;
      const err = await crashing.execute(depositIntent(f, intentId, "100"), signal).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(Crash);

      const { store: reopened, summary } = await restart(path);
      expect(summary.checked).to.equal(1);
      expect(summary.pending).to.equal(0);
      expect(reopened.get(intentId)?.state).to.be.oneOf(["included", "final"]);
      expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id(intentId))).to.equal(1);
      const nonces = await keeperTxNonces();
      expect(new Set(nonces).size).to.equal(nonces.length);

      // and the next intent goes through on the next nonce
      const next = createDirectExecutor(
        { allocator: f.deployment.allocator },
        { signer: f.keeper, provider: f.provider, codec, store: reopened },
      );
      const action = await next.execute(depositIntent(f, `${intentId}-next`, "1"), signal);
      expect(action.status).to.equal("included");
    });
  }

  /** Sends an intent, crashes before its receipt and drops the transaction from the mempool; returns its hash. */
  async function sendCrashAndDrop(path: string, intentId: string): Promise<string> {
    const store = await openIntentStore({ path, now: Date.now });
    await f.provider.send("evm_setAutomine", [false]);
    try {
      const exec = createDirectExecutor(
        { allocator: f.deployment.allocator },
        {
          signer: f.keeper,
          provider: f.provider,
          codec,
          store,
          failpoint: async (name) => {
            if (name === "before-receipt") throw new Crash(name);
          },
        },
      );
      await exec.execute(depositIntent(f, intentId, "10"), signal).catch((e: unknown) => e);
      const hash = store.get(intentId)?.txs[0]?.hash ?? "";
      expect(await f.provider.send("hardhat_dropTransaction", [hash])).to.equal(true);
      return hash;
    } finally {
      await f.provider.send("evm_setAutomine", [true]);
    }
  }

  it("rebroadcasts the same stored raw transaction when a sent one was dropped from the mempool", async () => {
    const path = join(dir, "dropped.json");
    const hash = await sendCrashAndDrop(path, "dropped-1");
    const { store: reopened, summary } = await restart(path);
    expect(summary.rebroadcast).to.equal(1);
    expect(reopened.get("dropped-1")?.includedTx).to.equal(hash);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("dropped-1"))).to.equal(1);
  });

  it("starts when the resent transaction reverts (vault paused meanwhile): the mined receipt fails the intent", async () => {
    const path = join(dir, "paused-resend.json");
    await sendCrashAndDrop(path, "paused-1");
    await (await f.vault.connect(f.guardian).getFunction("pause")()).wait();
    try {
      // Hardhat executes the resent raw transaction on arrival and reports its revert (and mines it).
      const { store: reopened, summary } = await restart(path);
      expect(summary.failed).to.equal(1);
      expect(reopened.get("paused-1")?.state).to.equal("failed");
      expect(reopened.get("paused-1")?.error?.code).to.equal("EXECUTION_REVERTED");
      expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("paused-1"))).to.equal(0);
    } finally {
      await (await f.vault.getFunction("unpause")()).wait();
    }
  });

  it("starts when the node refuses the resent transaction's fee cap (base fee jumped): the intent stays in flight at its nonce, and lands once the fee falls", async () => {
    const path = join(dir, "fee-cap-resend.json");
    const hash = await sendCrashAndDrop(path, "feecap-1");
    const latest = (await f.provider.getBlock("latest"))?.baseFeePerGas ?? 0n;
    const cap = BigInt(
      (await openIntentStore({ path, now: Date.now })).get("feecap-1")?.request?.maxFeePerGasWei ?? "0",
    );
    await f.provider.send("hardhat_setNextBlockBaseFeePerGas", [`0x${(cap * 10n).toString(16)}`]);
    const { store: reopened, summary } = await restart(path);
    expect(summary.pending).to.equal(1);
    const rec = reopened.get("feecap-1");
    expect(rec?.state).to.equal("sent");
    expect(rec?.txs.map((t) => t.hash)).to.deep.equal([hash]);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("feecap-1"))).to.equal(0);
    // The base fee falls back: the next start resends the same raw transaction, and it lands once.
    await f.provider.send("hardhat_setNextBlockBaseFeePerGas", [`0x${latest.toString(16)}`]);
    await f.provider.send("evm_mine", []);
    const again = await restart(path);
    expect(again.store.get("feecap-1")?.includedTx).to.equal(hash);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("feecap-1"))).to.equal(1);
  });

  it("marks an intent replaced when its nonce was used by another transaction", async () => {
    const path = join(dir, "replaced.json");
    const store = await openIntentStore({ path, now: Date.now });
    const exec = createDirectExecutor(
      { allocator: f.deployment.allocator },
      {
        signer: f.keeper,
        provider: f.provider,
        codec,
        store,
        failpoint: async (name) => {
          if (name === "after-sign") throw new Crash(name);
        },
      },
    );
    await exec.execute(depositIntent(f, "replaced-1", "10"), signal).catch((e: unknown) => e);
    // An operator uses the keeper key by hand at the same nonce.
    const nonce = store.get("replaced-1")?.nonce ?? -1;
    await (await f.keeper.sendTransaction({ to: f.keeper.address, value: 0n, nonce })).wait();
    const { store: reopened, summary } = await restart(path);
    expect(summary.replaced).to.equal(1);
    expect(reopened.get("replaced-1")?.state).to.equal("replaced");
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("replaced-1"))).to.equal(0);
  });

  it("fails closed when the store is corrupt or missing while the chain shows the keeper's history", async () => {
    const corrupt = join(dir, "corrupt.json");
    writeFileSync(corrupt, "\0\0\0\0");
    const err = await restart(corrupt).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal("INTENT_STORE_UNRECONCILED");
    expect((err as KeelError).retryable).to.equal(false);
    const missing = await restart(join(dir, "missing.json")).catch((e: unknown) => e);
    expect((missing as KeelError).code).to.equal("INTENT_STORE_UNRECONCILED");
    const adopted = await restart(join(dir, "adopted.json"), { adoptChainHistory: true });
    expect(adopted.summary.storeStatus).to.equal("fresh");
  });
});
