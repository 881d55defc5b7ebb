import { expect } from "chai";
import { id } from "ethers";
import { createDirectExecutor } from "../../../src/adapters/execution/direct.ts";
import { countRebalanced } from "../../../src/adapters/execution/events.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { openMemoryIntentStore } from "../../../src/execution/memoryIntentStore.ts";
import { depositIntent, type ExecFixture, execFixture } from "./fixture.ts";

const GWEI = 1_000_000_000n;
const hex = (v: bigint) => `0x${v.toString(16)}`;

// An automining node (Hardhat) refuses a transaction whose maxFeePerGas is below the next block's base
// fee ("maxFeePerGas (…) is too low for the next block"); a mempool would hold it. The direct route
// re-signs at the same nonce with a raised cap, within the fee ceiling (strategy.maxGasPriceGwei).
describe("direct route: the node refuses the fee cap (next base fee above it)", function () {
  this.timeout(60_000);
  let f: ExecFixture;
  let normalBaseFee: bigint;
  const codec = loadAllocatorCodec();
  const signal = new AbortController().signal;

  before(async () => {
    f = await execFixture();
    normalBaseFee = (await f.provider.getBlock("latest"))?.baseFeePerGas ?? 1n;
  });
  afterEach(async () => {
    // Mine one block at the usual base fee so the next test starts from a cheap chain.
    await f.provider.send("hardhat_setNextBlockBaseFeePerGas", [hex(normalBaseFee)]);
    await f.provider.send("evm_mine", []);
  });
  after(async () => {
    await f.close();
  });

  function executor(ceilingWei: bigint) {
    return createDirectExecutor(
      {
        allocator: f.deployment.allocator,
        receiptTimeoutMs: 10_000,
        receiptPollMs: 20,
        replace: { stuckAfterMs: 60_000, bumpBps: 1_250, maxFeePerGasWei: ceilingWei },
      },
      { signer: f.keeper, provider: f.provider, codec, store: openMemoryIntentStore() },
    );
  }

  it("re-signs at the same nonce with a fresh, raised cap within the ceiling: included once", async () => {
    const intent = depositIntent(f, "fee-cap-jump", "10"); // maxFeePerGas 50 gwei
    const nextBase = 3n * intent.gas.maxFeePerGasWei;
    await f.provider.send("hardhat_setNextBlockBaseFeePerGas", [hex(nextBase)]);
    const nonce = await f.provider.getTransactionCount(f.keeper.address, "pending");
    const action = await executor(1_000n * GWEI).execute(intent, signal);
    expect(action.status).to.equal("included");
    const tx = await f.provider.getTransaction(action.txHashes[0] ?? "");
    expect(tx?.nonce).to.equal(nonce);
    expect(tx?.maxFeePerGas).to.be.at.least(nextBase);
    expect(tx?.maxFeePerGas).to.be.at.most(1_000n * GWEI);
    expect(tx?.maxPriorityFeePerGas).to.equal(intent.gas.maxPriorityFeePerGasWei);
    expect(await f.provider.getTransactionCount(f.keeper.address)).to.equal(nonce + 1);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("fee-cap-jump"))).to.equal(1);
  });

  it("stops at the ceiling with FEE_CEILING_REACHED (retryable), nothing sent, the nonce free for the next intent", async () => {
    const exec = executor(100n * GWEI);
    const intent = depositIntent(f, "fee-cap-ceiling", "10");
    await f.provider.send("hardhat_setNextBlockBaseFeePerGas", [hex(3n * intent.gas.maxFeePerGasWei)]);
    const nonce = await f.provider.getTransactionCount(f.keeper.address, "pending");
    const err = await exec.execute(intent, signal).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KeelError);
    expect([(err as KeelError).code, (err as KeelError).retryable]).to.deep.equal(["FEE_CEILING_REACHED", true]);
    expect(await f.provider.getTransactionCount(f.keeper.address, "pending")).to.equal(nonce);
    // The base fee back below the cap: the same executor's next intent takes that nonce.
    await f.provider.send("hardhat_setNextBlockBaseFeePerGas", [hex(normalBaseFee)]);
    const next = await exec.execute(depositIntent(f, "fee-cap-after-ceiling", "10"), signal);
    expect(next.status).to.equal("included");
    expect((await f.provider.getTransaction(next.txHashes[0] ?? ""))?.nonce).to.equal(nonce);
  });
});
