import { expect } from "chai";
import { createNonceManager } from "../../../src/execution/nonces.ts";

describe("nonce manager", () => {
  /** A chain whose pending nonce is `pending()` (its mined nonce is never read here). */
  const chainAt = (pending: () => Promise<number>) => ({ pendingNonce: pending, minedNonce: async () => 0 });
  const A = "0x00000000000000000000000000000000000000aa";

  it("never hands out the same nonce twice, even to concurrent callers", async () => {
    const nm = createNonceManager({ chain: chainAt(async () => 5) });
    const got = await Promise.all(Array.from({ length: 50 }, () => nm.allocate(A)));
    expect(new Set(got).size).to.equal(50);
    expect(Math.min(...got)).to.equal(5);
    expect(Math.max(...got)).to.equal(54);
  });

  it("starts above the nonces of in-flight intents the chain has not seen (after a restart)", async () => {
    const nm = createNonceManager({ chain: chainAt(async () => 3), heldNonces: async () => [3, 4, 7] });
    expect(await nm.allocate(A)).to.equal(8);
  });

  it("follows the chain when it moved ahead (an external transaction used nonces)", async () => {
    let chain = 1;
    const nm = createNonceManager({ chain: chainAt(async () => chain) });
    expect(await nm.allocate(A)).to.equal(1);
    chain = 10;
    expect(await nm.allocate(A)).to.equal(10);
  });

  it("keeps serving after a failed chain read (the failure does not poison the queue)", async () => {
    let fail = true;
    const nm = createNonceManager({
      chain: chainAt(async () => {
        if (fail) throw new Error("rpc down");
        return 2;
      }),
    });
    const err = await nm.allocate(A).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    fail = false;
    expect(await nm.allocate(A)).to.equal(2);
  });
});
