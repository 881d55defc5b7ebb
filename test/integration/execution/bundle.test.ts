import { expect } from "chai";
import { id, Wallet } from "ethers";
import { createBundleExecutor } from "../../../src/adapters/execution/bundle.ts";
import { countRebalanced } from "../../../src/adapters/execution/events.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { type LocalRelay, startLocalRelay } from "../../../src/devnet/relay.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import type { FailpointName } from "../../../src/execution/lifecycle.ts";
import { openMemoryIntentStore } from "../../../src/execution/memoryIntentStore.ts";
import { depositIntent, type ExecFixture, execFixture } from "./fixture.ts";

describe("bundle route through @flashbots/ethers-provider-bundle and the local relay", function () {
  this.timeout(60_000);
  let f: ExecFixture;
  let relay: LocalRelay;
  const codec = loadAllocatorCodec();
  const auth = Wallet.createRandom();
  const signal = new AbortController().signal;
  const attempts: string[] = [];
  const metrics = { bundleAttempts: { inc: (l: { result: string }) => attempts.push(l.result) } };

  before(async () => {
    f = await execFixture();
    relay = await startLocalRelay(f.chain.provider, { pollMs: 10, buildBlocks: true });
  });
  afterEach(() => {
    relay.mode = { kind: "include" };
  });
  after(async () => {
    await relay.close();
    await f.close();
  });

  function executor(
    extra: { failpoint?: (n: FailpointName) => Promise<void>; relays?: string[]; allowPublicFallback?: boolean } = {},
  ) {
    return createBundleExecutor(
      {
        allocator: f.deployment.allocator,
        relays: extra.relays ?? [relay.url],
        blocks: 3,
        priorityBumpBps: 1_250,
        maxPriorityFeePerGasWei: 5_000_000_000n,
        allowPublicFallback: extra.allowPublicFallback ?? false,
        blockWaitMs: 5_000,
        pollMs: 10,
      },
      {
        signer: f.keeper,
        provider: f.provider,
        codec,
        authSigner: auth,
        store: openMemoryIntentStore(),
        metrics,
        ...(extra.failpoint ? { failpoint: extra.failpoint } : {}),
      },
    );
  }

  it("is included at its target block, after an eth_callBundle simulation, signed with the auth key", async () => {
    const sims = relay.stats.callBundle;
    const first = relay.bundles.length;
    const action = await executor().execute(depositIntent(f, "bundle-at-target", "10"), signal);
    expect(action.route).to.equal("bundle");
    expect(action.status).to.equal("included");
    const sent = relay.bundles.slice(first);
    expect(sent).to.have.length(1);
    expect(action.block).to.equal(sent[0]?.targetBlock);
    expect(sent[0]?.signer).to.equal(auth.address.toLowerCase());
    expect(relay.stats.callBundle).to.be.greaterThan(sims);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("bundle-at-target"))).to.equal(1);
  });

  it("is included late (2 blocks): re-targeted each block with a bumped priority fee, same nonce, one effect", async () => {
    relay.mode = { kind: "late", blocks: 2 };
    const first = relay.bundles.length;
    const nonce = await f.provider.getTransactionCount(f.keeper.address);
    const action = await executor().execute(depositIntent(f, "bundle-late", "10"), signal);
    expect(action.status).to.equal("included");
    const sent = relay.bundles.slice(first);
    expect(sent).to.have.length(3);
    expect(sent[1]?.targetBlock).to.be.greaterThan(sent[0]?.targetBlock ?? 0);
    expect(action.block).to.equal(sent[2]?.targetBlock);
    const tx = await f.provider.getTransaction(action.txHashes[0] ?? "");
    expect(tx?.nonce).to.equal(nonce);
    expect(tx?.maxPriorityFeePerGas).to.equal(1_265_625_000n); // 1 gwei × 1.125 × 1.125
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("bundle-late"))).to.equal(1);
  });

  it("is abandoned after N blocks when never included, with nothing sent publicly", async () => {
    relay.mode = { kind: "never" };
    const nonce = await f.provider.getTransactionCount(f.keeper.address);
    const before = attempts.filter((a) => a === "abandoned").length;
    const action = await executor().execute(depositIntent(f, "bundle-never", "10"), signal);
    expect(action.status).to.equal("failed");
    expect(attempts.filter((a) => a === "abandoned").length).to.equal(before + 1);
    expect(await f.provider.getTransactionCount(f.keeper.address, "pending")).to.equal(nonce);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("bundle-never"))).to.equal(0);
    // The nonce was never used: the next intent takes it.
    relay.mode = { kind: "include" };
    const next = await executor().execute(depositIntent(f, "bundle-after-never", "10"), signal);
    expect((await f.provider.getTransaction(next.txHashes[0] ?? ""))?.nonce).to.equal(nonce);
  });

  it("aborts with the decoded reason when the re-simulation reverts (vault paused mid-flight)", async () => {
    relay.mode = { kind: "never" };
    const exec = executor({
      failpoint: async (name) => {
        if (name === "after-broadcast") await (await f.vault.connect(f.guardian).getFunction("pause")()).wait();
      },
    });
    try {
      const err = await exec.execute(depositIntent(f, "bundle-paused", "10"), signal).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(KeelError);
      expect((err as KeelError).code).to.equal("EXECUTION_REVERTED");
      expect((err as KeelError).context.error).to.equal("VaultPaused");
      expect((err as KeelError).context.route).to.equal("bundle");
    } finally {
      await (await f.vault.getFunction("unpause")()).wait();
    }
  });

  it("hands back the nonce when the first eth_callBundle reverts: the route's next bundle is signed with it", async () => {
    let pauseOnce = true;
    const exec = executor({
      failpoint: async (name) => {
        // After the nonce is reserved and before the relay simulates: the relay's simulation reverts.
        if (name !== "after-nonce" || !pauseOnce) return;
        pauseOnce = false;
        await (await f.vault.connect(f.guardian).getFunction("pause")()).wait();
      },
    });
    const nonce = await f.provider.getTransactionCount(f.keeper.address, "pending");
    try {
      const err = await exec.execute(depositIntent(f, "bundle-first-sim-reverts", "10"), signal).catch((e) => e);
      expect([(err as KeelError).code, (err as KeelError).context.error]).to.deep.equal([
        "EXECUTION_REVERTED",
        "VaultPaused",
      ]);
    } finally {
      await (await f.vault.getFunction("unpause")()).wait();
    }
    const next = await exec.execute(depositIntent(f, "bundle-after-sim-revert", "10"), signal);
    expect(next.status).to.equal("included");
    expect((await f.provider.getTransaction(next.txHashes[0] ?? ""))?.nonce).to.equal(nonce);
  });

  it("is refused by a relay that does not accept its auth signature", async () => {
    const strict = await startLocalRelay(f.chain.provider, {
      pollMs: 10,
      allowedSigners: ["0x0000000000000000000000000000000000000001"],
    });
    try {
      const err = await executor({ relays: [strict.url] })
        .execute(depositIntent(f, "bundle-unauthorised", "10"), signal)
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(KeelError);
      expect(strict.stats.rejected).to.be.greaterThan(0);
      expect(String((err as Error).message)).not.to.contain(strict.url);
    } finally {
      await strict.close();
    }
  });
});
