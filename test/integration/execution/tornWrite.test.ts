// Issue 14 finding 3: on a full disk the write-ahead intent record tore (a short write, no error)
// and the keeper went on to sign and send. The store lives on a real, small tmpfs here; it is
// filled so the next record write is short. Nothing may be signed or sent after it, the error is
// coded and retryable, and once space is back the same intent goes through exactly once.
import { join } from "node:path";
import { expect } from "chai";
import { id, type TransactionRequest, Wallet } from "ethers";
import { createDirectExecutor } from "../../../src/adapters/execution/direct.ts";
import { countRebalanced } from "../../../src/adapters/execution/events.ts";
import { openIntentStore } from "../../../src/adapters/execution/intentStore.ts";
import { loadAllocatorCodec } from "../../../src/adapters/execution/loadCodec.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { mountSmallTmpfs, type SmallTmpfs } from "../../support/tmpfs.ts";
import { depositIntent, type ExecFixture, execFixture } from "./fixture.ts";

/** The keeper key, counting every signature it makes. */
class CountingWallet extends Wallet {
  signs = 0;
  override async signTransaction(tx: TransactionRequest): Promise<string> {
    this.signs++;
    return super.signTransaction(tx);
  }
}

describe("a torn write-ahead record on a full disk stops the send", function () {
  this.timeout(60_000);
  let f: ExecFixture;
  let fsys: SmallTmpfs | undefined;
  const codec = loadAllocatorCodec();
  const signal = new AbortController().signal;

  before(async function () {
    fsys = mountSmallTmpfs(512);
    if (!fsys) {
      console.log("    (skipped: mounting a tmpfs needs root)");
      this.skip();
    }
    f = await execFixture();
  });
  after(async () => {
    fsys?.unmount();
    await f?.close();
  });

  it("signs nothing and sends nothing after a short write of the intent store, halts with a retryable STATE_WRITE_FAILED, then sends once when space is back", async () => {
    const dir = (fsys as SmallTmpfs).dir;
    const path = join(dir, "intents.json");
    const keeper = new CountingWallet(f.keeper.privateKey, f.provider);
    const store = await openIntentStore({ path, now: Date.now });
    const exec = () =>
      createDirectExecutor(
        { allocator: f.deployment.allocator },
        { signer: keeper, provider: f.provider, codec, store },
      );
    // A few settled intents make the store file larger than one page, so a one-page hole tears it.
    for (const n of [1, 2, 3, 4])
      expect((await exec().execute(depositIntent(f, `torn-pre-${n}`, "1"), signal)).status).to.equal("included");
    const signsBefore = keeper.signs;
    const nonceBefore = await f.provider.getTransactionCount(keeper.address);

    (fsys as SmallTmpfs).fill(4096);
    const err = await exec()
      .execute(depositIntent(f, "torn-1", "10"), signal)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal("STATE_WRITE_FAILED");
    expect((err as KeelError).retryable).to.equal(true);
    expect(keeper.signs, "signatures after the torn write").to.equal(signsBefore);
    expect(await f.provider.getTransactionCount(keeper.address)).to.equal(nonceBefore);
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("torn-1"))).to.equal(0);
    // What the process holds is what the disk holds: the failed record is not in memory either.
    expect(store.get("torn-1")).to.equal(undefined);
    const reopened = await openIntentStore({ path, now: Date.now });
    expect(reopened.openStatus).to.equal("loaded");
    expect(reopened.list().map((r) => r.id)).to.deep.equal(store.list().map((r) => r.id));

    (fsys as SmallTmpfs).free();
    const action = await exec().execute(depositIntent(f, "torn-1", "10"), signal);
    expect(action.status).to.equal("included");
    expect(await countRebalanced(f.provider, codec, f.deployment.allocator, id("torn-1"))).to.equal(1);
    expect(await f.provider.getTransactionCount(keeper.address)).to.equal(nonceBefore + 1);
  });
});
