import { expect } from "chai";
import type { Provider } from "ethers";
import { lifecycleDeps } from "../../../src/adapters/execution/direct.ts";
import type { IntentState } from "../../../src/domain/intent.ts";
import { openMemoryIntentStore } from "../../../src/execution/memoryIntentStore.ts";
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

  it("as wired for the daemon, intents replaced, cancelled or failed release their nonce; every other state holds it", async () => {
    const store = openMemoryIntentStore(() => 1);
    const held = async (id: string, nonce: number, path: readonly IntentState[], from = A) => {
      await store.create({ id, onchainId: id, decisionId: id, route: "direct", moves: [] });
      await store.transition(id, "planned", { nonce, from });
      for (const to of path) await store.transition(id, to);
    };
    // The chain's pending nonce is 2; released nonces above it must not push the next one up.
    await held("replaced", 9, ["signed", "replaced"]);
    await held("cancelled", 8, ["cancelled"]);
    await held("failed", 7, ["failed"]);
    await held("other-signer", 20, ["signed"], "0x00000000000000000000000000000000000000bb");
    const provider = { getTransactionCount: async () => 2 } as unknown as Provider;
    const deps = () => lifecycleDeps({ allocator: A }, { provider, signer: {} as never, store });
    expect(await deps().nonces.allocate(A)).to.equal(2);
    // A final intent still holds its nonce (the chain may forget it; it is resent at that nonce).
    await held("final", 4, ["included", "final"]);
    expect(await deps().nonces.allocate(A)).to.equal(5);
    await held("sent", 6, ["signed", "sent"]);
    expect(await deps().nonces.allocate(A.toUpperCase().replace("0X", "0x"))).to.equal(7);
  });
});
