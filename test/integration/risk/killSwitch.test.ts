import { expect } from "chai";
import { Wallet } from "ethers";
import { createVaultKillSwitch } from "../../../src/adapters/ethers/killSwitch.ts";
import { devnetKey } from "../../../src/devnet/accounts.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { type ExecFixture, execFixture } from "../execution/fixture.ts";

describe("the vault kill switch (pause / unpause) on a local chain", function () {
  this.timeout(60_000);
  let f: ExecFixture;
  let guardian: Wallet;
  const signal = new AbortController().signal;

  before(async () => {
    f = await execFixture();
    // The fixture's guardian is development account 1; a Wallet sends raw transactions, as the CLI does.
    guardian = new Wallet(devnetKey(1), f.provider);
    expect(guardian.address).to.equal(await f.guardian.getAddress());
  });
  after(async () => {
    await f.close();
  });
  afterEach(async () => {
    if ((await f.vault.getFunction("paused")()) === true) await (await f.vault.getFunction("unpause")()).wait();
  });

  it("pauses when the next block's base fee jumped above the cap ethers writes: the refused send goes again with a raised cap, one pause tx", async () => {
    const cap = (await f.provider.getFeeData()).maxFeePerGas ?? 0n;
    // 3× the cap ethers writes (2 × base + tip): an automining node refuses the first send and the
    // first doubled cap; the second doubling gets in.
    await f.provider.send("hardhat_setNextBlockBaseFeePerGas", [`0x${(cap * 3n).toString(16)}`]);
    const nonce = await f.provider.getTransactionCount(guardian.address);
    const ks = createVaultKillSwitch({ vault: f.deployment.vault }, { signer: guardian });
    const hash = await ks.pause("MANUAL", signal);
    expect(hash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await f.vault.getFunction("paused")()).to.equal(true);
    expect(await f.provider.getTransactionCount(guardian.address)).to.equal(nonce + 1);
    const receipt = await f.provider.getTransactionReceipt(hash!);
    expect(receipt?.status).to.equal(1);
    // A second pause is a no-op: nothing is sent.
    expect(await ks.pause("MANUAL", signal)).to.equal(undefined);
    expect(await f.provider.getTransactionCount(guardian.address)).to.equal(nonce + 1);
  });

  it("refuses a key without the role with a permanent KILL_SWITCH_FAILED naming the role, spending no nonce", async () => {
    const ks = createVaultKillSwitch({ vault: f.deployment.vault }, { signer: f.keeper });
    const nonce = await f.provider.getTransactionCount(f.keeper.address);
    const err = await ks.pause("MANUAL", signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal("KILL_SWITCH_FAILED");
    expect((err as KeelError).retryable).to.equal(false);
    expect((err as KeelError).message)
      .to.include(f.keeper.address)
      .and.include("guardian or manager?");
    expect(await f.vault.getFunction("paused")()).to.equal(false);
    expect(await f.provider.getTransactionCount(f.keeper.address)).to.equal(nonce);
  });
});
