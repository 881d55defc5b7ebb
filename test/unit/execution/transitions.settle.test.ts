// The intent state machine after sending — reconciliation at start-up, replacement of stuck transactions,
// finality and reorgs — driven through the execution core with in-memory fakes of its ports.
import { expect } from "chai";
// The edge-coverage test below counts the sending tests' edges too (an ES module loads once, so under a
// full run this adds nothing; run alone, this file still sees every claimed edge).
import "./transitions.send.test.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import type { IntentRecord } from "../../../src/domain/intent.ts";
import { createDirectRoute } from "../../../src/execution/direct.ts";
import { INTENT_EDGES } from "../../../src/execution/intentStates.ts";
import { reconcileIntent, reconcileOnStart } from "../../../src/execution/reconcile.ts";
import { finalise, reopenVanished } from "../../../src/execution/settle.ts";
import {
  ALLOCATOR,
  claimedEdges,
  crashAt,
  edgeTest,
  fakeWorld,
  intent,
  planned,
  thrown,
} from "../../support/executionFakes.ts";

const signal = new AbortController().signal;
const replace = { stuckAfterMs: 1_000, bumpBps: 1_250, maxFeePerGasWei: 100_000_000_000n };

describe("intent state machine: settling (execution core, fakes)", () => {
  edgeTest(
    ["planned→cancelled"],
    "a planned intent without a stored request is cancelled at restart as never signed",
    async () => {
      const w = fakeWorld();
      const out = await reconcileIntent(w.lc, await planned(w, "p-1", false), { confirmations: 1 });
      expect([out.state, out.error?.code]).to.deep.equal(["cancelled", "NEVER_SIGNED"]);
      expect(w.broadcasts).to.deep.equal([]);
      return w;
    },
  );

  it("planned→cancelled: a planned intent older than the resume window is cancelled as never signed", async () => {
    const w = fakeWorld();
    const rec = await planned(w, "p-2", true);
    const out = await reconcileIntent({ ...w.lc, now: () => rec.createdAt + 700_000 }, rec, { confirmations: 1 });
    expect([out.state, out.error?.code]).to.deep.equal(["cancelled", "NEVER_SIGNED"]);
    expect(w.broadcasts).to.deep.equal([]);
  });

  it("planned→included: a planned intent whose event the chain shows (sent by anyone) is included at restart", async () => {
    const w = fakeWorld();
    const rec = await planned(w, "p-3", true);
    w.events.set("oid:p-3", { txHash: "0xother", block: 99, caller: ALLOCATOR });
    const out = await reconcileIntent(w.lc, rec, { confirmations: 5 });
    expect(out).to.deep.include({ state: "included", includedTx: "0xother" });
    expect(w.transitions).to.deep.equal(["planned→included", "included→included"]);
  });

  edgeTest(
    ["signed→included"],
    "killed after signing; the raw tx mined meanwhile: restart marks it included",
    async () => {
      const w = fakeWorld();
      w.mempool = "hold";
      const rec = await crashAt(w, "c-1", "after-sign");
      expect(rec.state).to.equal("signed");
      w.mine(rec.txs[0]?.raw ?? "");
      const out = await reconcileIntent(w.lc, rec, { confirmations: 3 });
      expect(out).to.deep.include({ state: "included", includedTx: "0xhash1" });
      return w;
    },
  );

  edgeTest(
    ["signed→replaced"],
    "killed after signing; its nonce was used by another transaction: replaced, not resent",
    async () => {
      const w = fakeWorld();
      const rec = await crashAt(w, "c-2", "after-sign");
      w.minedNonce = 1;
      const out = await reconcileIntent(w.lc, rec, { confirmations: 1 });
      expect([out.state, out.error?.code]).to.deep.equal(["replaced", "NONCE_TAKEN"]);
      expect(w.broadcasts).to.deep.equal([]);
      return w;
    },
  );

  it("signed→replaced: the node says the nonce is used and the chain shows nothing of ours", async () => {
    const w = fakeWorld();
    w.mempool = "nonce-used";
    const action = await createDirectRoute({ allocator: ALLOCATOR }, w.lc).execute(intent("n-1"), signal);
    expect(action.status).to.equal("failed");
    expect(w.transitions.at(-1)).to.equal("signed→replaced");
  });

  edgeTest(
    ["signed→signed", "sent→sent"],
    "a stuck signed tx is re-priced ≥ 10 % at its nonce, then resent as is",
    async () => {
      const w = fakeWorld();
      w.mempool = "hold";
      const rec = await crashAt(w, "c-3", "after-sign");
      const later = { ...w.lc, now: () => rec.updatedAt + 5_000 };
      const bumped = await reconcileIntent(later, rec, { confirmations: 1, replace });
      expect(bumped.txs.map((t) => t.maxFeePerGasWei)).to.deep.equal(["10000000000", "11250000000"]);
      expect(bumped.nonce).to.equal(rec.nonce);
      const again = await reconcileIntent(w.lc, bumped, { confirmations: 1, replace });
      expect(again.state).to.equal("sent");
      expect(w.broadcasts).to.deep.equal(["raw-2", "raw-2"]);
      return w;
    },
  );

  edgeTest(
    ["sent→cancelled"],
    "a stuck tx whose call would now revert is cancelled by a same-nonce no-op",
    async () => {
      const w = fakeWorld();
      w.mempool = "hold";
      const rec = await createDirectRoute({ allocator: ALLOCATOR, receiptTimeoutMs: 10, receiptPollMs: 5 }, w.lc)
        .execute(intent("x-1"), signal)
        .then(() => w.store.get("x-1") as IntentRecord);
      w.simulateError = new KeelError("EXECUTION_REVERTED", "gone");
      const out = await reconcileIntent({ ...w.lc, now: () => rec.updatedAt + 5_000 }, rec, {
        confirmations: 1,
        replace,
      });
      expect(out.txs.at(-1)?.kind).to.equal("cancel");
      w.mine(out.txs.at(-1)?.raw ?? "");
      const settled = await reconcileIntent(w.lc, out, { confirmations: 1 });
      expect([settled.state, settled.error?.code]).to.deep.equal(["cancelled", "CANCELLED"]);
      return w;
    },
  );

  edgeTest(
    ["included→included", "included→sent"],
    "an included tx whose block vanished goes back to sent (or follows the event elsewhere)",
    async () => {
      const w = fakeWorld();
      await createDirectRoute({ allocator: ALLOCATOR, confirmations: 5 }, w.lc).execute(intent("v-1"), signal);
      const rec = w.store.get("v-1") as IntentRecord;
      expect(rec.state).to.equal("included");
      w.receipts.delete("0xhash1");
      expect((await finalise(w.lc, rec, 5)).state).to.equal("included");
      w.forget("0xhash1");
      const back = await finalise(w.lc, w.store.get("v-1") as IntentRecord, 5);
      expect([back.state, back.error?.code]).to.deep.equal(["sent", "TX_VANISHED"]);
      return w;
    },
  );

  edgeTest(["final→sent"], "a final intent the chain forgot (deep reorg) is reopened at its own nonce", async () => {
    const w = fakeWorld();
    await createDirectRoute({ allocator: ALLOCATOR }, w.lc).execute(intent("f-1"), signal);
    expect(w.store.get("f-1")?.state).to.equal("final");
    w.forget("0xhash1");
    await reopenVanished(w.lc);
    expect(w.store.get("f-1")).to.deep.include({ state: "sent", nonce: 0 });
    expect(await w.lc.nonces.allocate("0x00000000000000000000000000000000000000ee")).to.equal(1);
    return w;
  });

  it("start-up reconciliation fails closed when the store was lost but the chain shows the keeper's history", async () => {
    const w = fakeWorld();
    w.minedNonce = 3;
    const lc = { ...w.lc, store: { ...w.store, openStatus: "corrupt" as const } };
    const e = await thrown(reconcileOnStart({ confirmations: 1 }, lc));
    expect([e.code, e.retryable]).to.deep.equal(["INTENT_STORE_UNRECONCILED", false]);
    const ok = await reconcileOnStart({ confirmations: 1, adoptChainHistory: true }, lc);
    expect(ok.storeStatus).to.equal("corrupt");
  });

  it("terminal states and edges outside the machine are refused by the store (INTENT_BAD_TRANSITION)", async () => {
    const w = fakeWorld();
    await reconcileIntent(w.lc, await planned(w, "t-1", false), { confirmations: 1 });
    for (const to of ["sent", "included", "final", "planned"] as const) {
      expect((await thrown(w.store.transition("t-1", to))).code).to.equal("INTENT_BAD_TRANSITION");
    }
    await planned(w, "t-2", true);
    expect((await thrown(w.store.transition("t-2", "final"))).code).to.equal("INTENT_BAD_TRANSITION");
    expect((await thrown(w.store.transition("nope", "sent"))).code).to.equal("INTENT_UNKNOWN");
  });

  it("every edge of the state machine is claimed by a test above or in transitions.send.test.ts", () => {
    const all = Object.entries(INTENT_EDGES).flatMap(([from, tos]) => tos.map((to) => `${from}→${to}`));
    expect(all.filter((e) => !claimedEdges.has(e))).to.deep.equal([]);
  });
});
