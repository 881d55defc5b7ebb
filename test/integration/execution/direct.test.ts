import { expect } from "chai";
import { id } from "ethers";
import { createDirectExecutor } from "../../../src/adapters/execution/direct.ts";
import { countRebalanced } from "../../../src/adapters/execution/events.ts";
import { createGasEstimator } from "../../../src/adapters/execution/gasEstimator.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { createExecuteStage } from "../../../src/pipeline/execute/execute.ts";
import { depositIntent, type ExecFixture, execFixture } from "./fixture.ts";

describe("direct route on a local chain", function () {
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

  it("sends rebalance(keccak(intent id), moves) from the keeper and reports the inclusion block", async () => {
    const exec = createDirectExecutor(
      { allocator: f.deployment.allocator },
      { signer: f.keeper, provider: f.provider, codec },
    );
    const action = await exec.execute(depositIntent(f, "decision-1", "1000"), signal);
    expect(action.route).to.equal("direct");
    expect(action.status).to.equal("included");
    expect(action.txHashes).to.have.length(1);
    const receipt = await f.provider.getTransactionReceipt(action.txHashes[0] ?? "");
    expect(receipt?.blockNumber).to.equal(action.block);
    expect(receipt?.from).to.equal(f.keeper.address);
    expect(await f.allocator.getFunction("intentUsed")(id("decision-1"))).to.equal(true);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("decision-1"))).to.equal(1);
  });

  it("uses the GasVerdict's EIP-1559 fees and gas units (plus buffer)", async () => {
    const exec = createDirectExecutor(
      { allocator: f.deployment.allocator, gasLimitBufferBps: 1_000 },
      { signer: f.keeper, provider: f.provider, codec },
    );
    const intent = depositIntent(f, "decision-fees", "10", 1, 400_000n);
    const action = await exec.execute(intent, signal);
    const tx = await f.provider.getTransaction(action.txHashes[0] ?? "");
    expect(tx?.maxFeePerGas).to.equal(intent.gas.maxFeePerGasWei);
    expect(tx?.maxPriorityFeePerGas).to.equal(intent.gas.maxPriorityFeePerGasWei);
    expect(tx?.gasLimit).to.equal(440_000n);
  });

  it("never sends an intent twice: a used intent id is reported as included with its first transaction", async () => {
    const exec = createDirectExecutor(
      { allocator: f.deployment.allocator },
      { signer: f.keeper, provider: f.provider, codec },
    );
    const first = await exec.execute(depositIntent(f, "decision-twice", "5"), signal);
    const nonceBefore = await f.provider.getTransactionCount(f.keeper.address);
    const second = await exec.execute(depositIntent(f, "decision-twice", "5"), signal);
    expect(second.txHashes).to.deep.equal(first.txHashes);
    expect(second.status).to.equal("included");
    expect(await f.provider.getTransactionCount(f.keeper.address)).to.equal(nonceBefore);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("decision-twice"))).to.equal(1);
  });

  it("decodes a bound violation into EXECUTION_REVERTED with the custom error name, sending nothing", async () => {
    const exec = createDirectExecutor(
      { allocator: f.deployment.allocator },
      { signer: f.keeper, provider: f.provider, codec },
    );
    const nonceBefore = await f.provider.getTransactionCount(f.keeper.address);
    const err = await exec.execute(depositIntent(f, "decision-too-big", "900000"), signal).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal("EXECUTION_REVERTED");
    expect((err as KeelError).retryable).to.equal(false);
    expect((err as KeelError).context.error).to.be.oneOf(["MoveTooLarge", "AdapterCapExceeded"]);
    expect(await f.provider.getTransactionCount(f.keeper.address)).to.equal(nonceBefore);
  });

  it("decodes a revert that happens on chain (simulation passed, state changed before mining)", async () => {
    const exec = createDirectExecutor(
      { allocator: f.deployment.allocator },
      { signer: f.keeper, provider: f.provider, codec },
    );
    await f.provider.send("evm_setAutomine", [false]);
    try {
      const intent = depositIntent(f, "decision-raced", "10", 0, 500_000n);
      const pending = exec.execute(intent, signal);
      // Let the executor simulate and broadcast, then pull the pause in the same block, first.
      for (
        let i = 0;
        i < 200 && (await f.provider.send("eth_getBlockByNumber", ["pending", false])).transactions.length === 0;
        i++
      ) {
        await new Promise((r) => setImmediate(r));
      }
      await f.vault.connect(f.guardian).getFunction("pause")({
        gasLimit: 100_000,
        maxPriorityFeePerGas: 10_000_000_000n,
        maxFeePerGas: 100_000_000_000n,
      });
      await f.provider.send("evm_mine", []);
      const err = await pending.catch((e: unknown) => e);
      expect(err).to.be.instanceOf(KeelError);
      expect((err as KeelError).context.stage).to.equal("receipt");
      expect((err as KeelError).context.error).to.equal("VaultPaused");
      expect((err as KeelError).context.paused).to.equal(true);
    } finally {
      await f.provider.send("evm_setAutomine", [true]);
      await (await f.vault.getFunction("unpause")()).wait();
    }
  });

  it("treats a pause revert at simulation as terminal (not retryable)", async () => {
    await (await f.vault.connect(f.guardian).getFunction("pause")()).wait();
    try {
      const exec = createDirectExecutor(
        { allocator: f.deployment.allocator },
        { signer: f.keeper, provider: f.provider, codec },
      );
      const err = await exec.execute(depositIntent(f, "decision-paused", "10"), signal).catch((e: unknown) => e);
      expect((err as KeelError).code).to.equal("EXECUTION_REVERTED");
      expect((err as KeelError).context.error).to.equal("VaultPaused");
      expect((err as KeelError).context.paused).to.equal(true);
      expect((err as KeelError).retryable).to.equal(false);
    } finally {
      await (await f.vault.getFunction("unpause")()).wait();
    }
  });

  it("estimates gas of the same calldata, and reports an unauthorised keeper as a decoded revert", async () => {
    const intent = depositIntent(f, "decision-est", "10");
    const est = createGasEstimator(
      { allocator: f.deployment.allocator, from: f.keeper.address },
      { provider: f.provider, codec },
    );
    const gas = await est.estimateGas(intent.plan, intent.snapshot, signal);
    expect(gas > 50_000n && gas < 1_000_000n).to.equal(true);
    const stranger = createGasEstimator(
      { allocator: f.deployment.allocator, from: "0x000000000000000000000000000000000000dEaD" },
      { provider: f.provider, codec },
    );
    const err = await stranger.estimateGas(intent.plan, intent.snapshot, signal).catch((e: unknown) => e);
    expect((err as KeelError).code).to.equal("EXECUTION_REVERTED");
    expect((err as KeelError).context.error).to.equal("AccessControlUnauthorizedAccount");
  });

  it("runs through the execute stage: sends live, records only in dry-run", async () => {
    const exec = createDirectExecutor(
      { allocator: f.deployment.allocator },
      { signer: f.keeper, provider: f.provider, codec },
    );
    const live = createExecuteStage({ dryRun: false }, { executor: exec });
    const dry = createExecuteStage({ dryRun: true }, { executor: exec });
    const nonce = await f.provider.getTransactionCount(f.keeper.address);
    const recorded = await dry.run(depositIntent(f, "decision-dry", "10"), signal);
    expect(recorded.status).to.equal("ok");
    expect(await f.provider.getTransactionCount(f.keeper.address)).to.equal(nonce);
    const sent = await live.run(depositIntent(f, "decision-live", "10"), signal);
    expect(sent.status === "ok" && sent.value.status).to.equal("included");
  });
});
