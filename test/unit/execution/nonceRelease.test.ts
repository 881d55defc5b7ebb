// A nonce reserved for an intent that ends without anything reaching the chain is handed back: the
// next intent of the same long-lived route is signed with it, never with a gap above it (a node or
// relay refuses a gapped nonce: "Nonce too high"). Execution core with in-memory fakes.
import { expect } from "chai";
import { KeelError } from "../../../src/domain/errors.ts";
import { createBundleRoute } from "../../../src/execution/bundle.ts";
import { createDirectRoute } from "../../../src/execution/direct.ts";
import { createNonceManager } from "../../../src/execution/nonces.ts";
import { reconcileIntent } from "../../../src/execution/reconcile.ts";
import { ALLOCATOR, fakeWorld, intent, revert, thrown } from "../../support/executionFakes.ts";

const signal = new AbortController().signal;
const bundleOpts = {
  allocator: ALLOCATOR,
  blocks: 2,
  priorityBumpBps: 0,
  maxPriorityFeePerGasWei: 10_000_000_000n,
  allowPublicFallback: false,
  blockWaitMs: 20,
  pollMs: 5,
};
const nonceOf = (w: ReturnType<typeof fakeWorld>, id: string) => w.store.get(id)?.nonce;

describe("nonce reservations released when nothing was broadcast (execution core, fakes)", () => {
  it("release hands back the latest reservation only; an older one never makes two live holders", async () => {
    const A = "0x00000000000000000000000000000000000000aa";
    const nm = createNonceManager({ chain: { pendingNonce: async () => 4, minedNonce: async () => 4 } });
    expect([await nm.allocate(A), await nm.allocate(A)]).to.deep.equal([4, 5]);
    nm.release(A, 4); // 5 is still live: 4 stays a gap for the chain and the store to settle
    expect(await nm.allocate(A)).to.equal(6);
    nm.release(A.toUpperCase().replace("0X", "0x"), 6);
    expect(await nm.allocate(A)).to.equal(6);
  });

  it("bundle: the first relay simulation reverts; the next bundle of the same route reuses the nonce", async () => {
    const w = fakeWorld();
    const route = createBundleRoute(bundleOpts, w.lc, w.relays);
    w.relaySimulation = { ok: false, revert: { name: "VaultPaused", args: [], selector: "0x2" } };
    expect((await thrown(route.execute(intent("sim-reverts"), signal))).code).to.equal("EXECUTION_REVERTED");
    expect(w.store.get("sim-reverts")).to.deep.include({ state: "failed", nonce: 0 });
    w.relaySimulation = { ok: true };
    const action = await route.execute(intent("after-revert"), signal);
    expect(action.status).to.equal("included");
    expect(nonceOf(w, "after-revert")).to.equal(0);
  });

  it("bundle: no relay answering (cancelled) and never included (abandoned) both hand the nonce back", async () => {
    const w = fakeWorld();
    const route = createBundleRoute(bundleOpts, w.lc, w.relays);
    w.relaySimulation = new KeelError("BUNDLE_RELAY_UNAVAILABLE", "none", { retryable: true });
    expect((await thrown(route.execute(intent("no-relay"), signal))).code).to.equal("BUNDLE_RELAY_UNAVAILABLE");
    w.relaySimulation = { ok: true };
    w.relaysInclude = false;
    expect((await route.execute(intent("abandoned"), signal)).status).to.equal("failed");
    expect(w.store.get("abandoned")).to.deep.include({ state: "cancelled", nonce: 0 });
    w.relaysInclude = true;
    expect((await route.execute(intent("lands"), signal)).status).to.equal("included");
    expect([nonceOf(w, "no-relay"), nonceOf(w, "abandoned"), nonceOf(w, "lands")]).to.deep.equal([0, 0, 0]);
  });

  it("direct: a planned intent holding a nonce that fails on resume (now reverts) hands it back", async () => {
    const w = fakeWorld();
    const route = createDirectRoute({ allocator: ALLOCATOR, receiptTimeoutMs: 50, receiptPollMs: 5 }, w.lc);
    w.signError = new KeelError("KMS_UNAVAILABLE", "throttled", { retryable: true });
    await thrown(route.execute(intent("held"), signal));
    expect(w.store.get("held")).to.deep.include({ state: "planned", nonce: 0 });
    w.signError = undefined;
    w.simulateError = revert("MoveTooLarge");
    const rec = w.store.get("held");
    if (!rec) throw new Error("intent not stored");
    await reconcileIntent(w.lc, rec, { confirmations: 1 });
    expect(w.store.get("held")?.state).to.equal("failed");
    w.simulateError = undefined;
    expect((await route.execute(intent("next"), signal)).status).to.equal("included");
    expect(nonceOf(w, "next")).to.equal(0);
  });
});
