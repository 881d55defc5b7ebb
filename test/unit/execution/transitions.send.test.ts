// The intent state machine on the way out — direct route, bundle route, Safe proposals — driven through the
// execution core with in-memory fakes of its ports (no chain, no ethers).
import { expect } from "chai";
import { KeelError } from "../../../src/domain/errors.ts";
import { createBundleRoute } from "../../../src/execution/bundle.ts";
import { createDirectRoute } from "../../../src/execution/direct.ts";
import { endProposalIntent, recordProposal } from "../../../src/execution/proposals.ts";
import {
  ALLOCATOR,
  BUNDLE_OPTS as bundleOpts,
  edgeTest,
  fakeWorld,
  intent,
  KEEPER,
  revert,
  thrown,
} from "../../support/executionFakes.ts";

const signal = new AbortController().signal;
const direct = (w: ReturnType<typeof fakeWorld>) =>
  createDirectRoute({ allocator: ALLOCATOR, confirmations: 1, receiptTimeoutMs: 50, receiptPollMs: 5 }, w.lc);

describe("intent state machine: sending (execution core, fakes)", () => {
  edgeTest(
    ["planned→planned", "planned→signed", "signed→sent", "sent→included", "included→final"],
    "the direct route reserves a nonce and stores the signed raw tx before broadcasting it, then settles it",
    async () => {
      const w = fakeWorld();
      let heldAtBroadcast: unknown;
      const send = w.lc.broadcaster.sendRaw;
      (w.lc as { broadcaster: typeof w.lc.broadcaster }).broadcaster = {
        sendRaw: async (raw) => {
          const rec = w.store.get("d-1");
          heldAtBroadcast = { state: rec?.state, raw: rec?.txs.at(-1)?.raw, nonce: rec?.nonce };
          return send(raw);
        },
      };
      const action = await direct(w).execute(intent("d-1"), signal);
      expect(heldAtBroadcast).to.deep.equal({ state: "signed", raw: "raw-1", nonce: 0 });
      expect(w.transitions).to.deep.equal([
        "planned→planned",
        "planned→signed",
        "signed→sent",
        "sent→included",
        "included→final",
      ]);
      expect(action).to.deep.include({ status: "included", route: "direct", txHashes: ["0xhash1"], block: 101 });
      expect(w.store.get("d-1")).to.deep.include({ from: KEEPER, nonce: 0, state: "final" });
      return w;
    },
  );

  edgeTest(
    ["planned→failed"],
    "a revert at simulation fails the intent with its decoded name; nothing signed",
    async () => {
      const w = fakeWorld();
      w.simulateError = revert("MoveTooLarge");
      const e = await thrown(direct(w).execute(intent("r-1"), signal));
      expect(e.code).to.equal("EXECUTION_REVERTED");
      expect(w.store.get("r-1")?.error?.message).to.equal("rebalance reverted at simulate: MoveTooLarge");
      expect(w.store.get("r-1")?.nonce).to.equal(undefined);
      expect(w.broadcasts).to.deep.equal([]);
      return w;
    },
  );

  it("planned→failed: a keeper that cannot pay the worst-case fee fails the intent, spending no nonce", async () => {
    const w = fakeWorld();
    w.balanceWei = 1n;
    const e = await thrown(direct(w).execute(intent("poor"), signal));
    expect([e.code, e.retryable]).to.deep.equal(["KEEPER_INSUFFICIENT_FUNDS", true]);
    expect(w.transitions).to.deep.equal(["planned→failed"]);
    expect(w.store.get("poor")?.nonce).to.equal(undefined);
  });

  it("planned stays planned (nonce kept) when the signer is down; a refused signature fails it and frees the nonce", async () => {
    const w = fakeWorld();
    w.signError = new KeelError("KMS_UNAVAILABLE", "throttled", { retryable: true });
    expect((await thrown(direct(w).execute(intent("kms"), signal))).code).to.equal("KMS_UNAVAILABLE");
    expect(w.store.get("kms")).to.deep.include({ state: "planned", nonce: 0 });
    const v = fakeWorld();
    v.signError = new KeelError("KMS_SIGNATURE_INVALID", "wrong key", { retryable: false });
    expect((await thrown(direct(v).execute(intent("bad"), signal))).code).to.equal("KMS_SIGNATURE_INVALID");
    expect(v.transitions).to.deep.equal(["planned→planned", "planned→failed"]);
    v.signError = undefined;
    expect(await v.lc.nonces.allocate(KEEPER)).to.equal(0);
  });

  edgeTest(
    ["sent→failed"],
    "a transaction that reverts when mined fails the intent with the decoded on-chain error",
    async () => {
      const w = fakeWorld();
      w.mempool = "hold";
      w.minedRevert = { name: "LossTooHigh", args: ["9", "5"], selector: "0x1" };
      const route = createDirectRoute({ allocator: ALLOCATOR, receiptTimeoutMs: 200, receiptPollMs: 5 }, w.lc);
      const pending = route.execute(intent("m-1"), signal);
      setTimeout(() => w.mine(w.broadcasts[0] ?? "", false), 20);
      const e = await thrown(pending);
      expect(e.message).to.equal("rebalance reverted at receipt: LossTooHigh(9, 5)");
      expect(w.store.get("m-1")).to.deep.include({ state: "failed", includedTx: "0xhash1" });
      return w;
    },
  );

  edgeTest(
    ["planned→included"],
    "an intent the chain already executed is recorded included, never sent again",
    async () => {
      const w = fakeWorld();
      w.events.set("oid:again", { txHash: "0xearlier", block: 90, caller: KEEPER });
      w.receipts.set("0xearlier", { hash: "0xearlier", block: 90, success: true });
      const action = await direct(w).execute(intent("again"), signal);
      expect(action).to.deep.include({ status: "included", txHashes: ["0xearlier"] });
      expect(w.broadcasts).to.deep.equal([]);
      expect(w.transitions).to.deep.equal(["planned→included", "included→final"]);
      return w;
    },
  );

  it("no new intent while an earlier one is in flight (INTENT_IN_FLIGHT, retryable)", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    const route = direct(w);
    expect((await route.execute(intent("first"), signal)).status).to.equal("sent");
    const e = await thrown(route.execute(intent("second"), signal));
    expect([e.code, e.retryable, e.context.intentId]).to.deep.equal(["INTENT_IN_FLIGHT", true, "first"]);
    expect(w.store.get("second")).to.equal(undefined);
  });

  edgeTest(
    ["sent→signed", "signed→sent"],
    "the bundle route re-targets each block with a bumped priority fee at the same nonce",
    async () => {
      const w = fakeWorld();
      w.relaysInclude = false;
      let sends = 0;
      const send = w.relays.send;
      (w as { relays: typeof w.relays }).relays = {
        ...w.relays,
        send: async (raw, t) =>
          ++sends === 2
            ? send(raw, t)
                .then(() => w.mine(raw))
                .then(() => 1)
            : 1,
      };
      const action = await createBundleRoute(bundleOpts, w.lc, w.relays).execute(intent("b-1"), signal);
      const rec = w.store.get("b-1");
      expect(action.status).to.equal("included");
      expect(rec?.txs.map((t) => t.maxPriorityFeePerGasWei)).to.deep.equal(["1000000000", "1200000000"]);
      expect(rec?.includedTx).to.equal("0xhash2");
      return w;
    },
  );

  edgeTest(
    ["sent→cancelled"],
    "the bundle route abandons an intent never included within N blocks (nothing public)",
    async () => {
      const w = fakeWorld();
      w.relaysInclude = false;
      const action = await createBundleRoute({ ...bundleOpts, priorityBumpBps: 0 }, w.lc, w.relays).execute(
        intent("b-2"),
        signal,
      );
      expect(action.status).to.equal("failed");
      expect(w.store.get("b-2")?.error?.code).to.equal("BUNDLE_NOT_INCLUDED");
      expect(w.broadcasts).to.deep.equal([]);
      return w;
    },
  );

  edgeTest(
    ["signed→failed"],
    "a relay simulation that reverts fails the signed intent with the decoded reason",
    async () => {
      const w = fakeWorld();
      w.relaySimulation = { ok: false, revert: { name: "VaultPaused", args: [], selector: "0x2" } };
      const e = await thrown(createBundleRoute(bundleOpts, w.lc, w.relays).execute(intent("b-3"), signal));
      expect([e.code, e.context.paused]).to.deep.equal(["EXECUTION_REVERTED", true]);
      expect(w.store.get("b-3")?.state).to.equal("failed");
      return w;
    },
  );

  edgeTest(
    ["signed→cancelled"],
    "no relay answering before any took the bundle cancels it: it never left the process",
    async () => {
      const w = fakeWorld();
      w.relaySimulation = new KeelError("BUNDLE_RELAY_UNAVAILABLE", "none", { retryable: true });
      expect(
        (await thrown(createBundleRoute(bundleOpts, w.lc, w.relays).execute(intent("b-4"), signal))).code,
      ).to.equal("BUNDLE_RELAY_UNAVAILABLE");
      expect(w.store.get("b-4")?.error?.code).to.equal("BUNDLE_RELAY_UNAVAILABLE");
      return w;
    },
  );

  edgeTest(
    ["planned→sent"],
    "a Safe proposal's intent is recorded sent with its safeTxHash before the proposal is stored",
    async () => {
      const w = fakeWorld();
      const rec = await recordProposal(w.lc, intent("s-1"), "0xsafe1");
      expect(rec).to.deep.include({ state: "sent", route: "safe", safeTxHash: "0xsafe1", onchainId: "oid:s-1" });
      return w;
    },
  );

  edgeTest(
    ["sent→replaced"],
    "a Safe proposal whose nonce went to another transaction ends its intent replaced",
    async () => {
      const w = fakeWorld();
      await recordProposal(w.lc, intent("s-2"), "0xsafe2");
      const rec = await endProposalIntent(w.lc, "s-2", { status: "rejected", reason: "nonce used" });
      expect(rec?.error).to.deep.equal({ code: "PROPOSAL_REJECTED", message: "nonce used" });
      const done = await recordProposal(w.lc, intent("s-3"), "0xsafe3");
      expect(done.state).to.equal("sent");
      expect(
        (await endProposalIntent(w.lc, "s-3", { status: "executed", txHash: "0xexec", block: 7 }))?.state,
      ).to.equal("final");
      expect((await endProposalIntent(w.lc, "s-3", { status: "failed" }))?.state).to.equal("final");
      return w;
    },
  );
});
