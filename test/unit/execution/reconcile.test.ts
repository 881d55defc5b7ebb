// Reconciliation at start-up (src/execution/reconcile.ts) through the execution core with in-memory
// fakes: every branch of reconcileIntent and the summary, logs and metrics of reconcileOnStart.
// Written to kill the surviving mutants of the mutation run (docs/mutation.md).
import { expect } from "chai";
import { KeelError } from "../../../src/domain/errors.ts";
import type { IntentRecord } from "../../../src/domain/intent.ts";
import { createDirectRoute } from "../../../src/execution/direct.ts";
import { publicBroadcast } from "../../../src/execution/lifecycle.ts";
import { reconcileIntent, reconcileOnStart } from "../../../src/execution/reconcile.ts";
import {
  ALLOCATOR,
  crashAt,
  type FakeWorld,
  fakeWorld,
  intent,
  type LogLine,
  planned,
  recordingLogger,
  signedAt,
  thrown,
} from "../../support/executionFakes.ts";

const signal = new AbortController().signal;
const replace = { stuckAfterMs: 1_000, bumpBps: 1_250, maxFeePerGasWei: 100_000_000_000n };

/** An intent sent and mined at once, left `included` (the route waits for more confirmations than exist). */
async function minedIncluded(w: FakeWorld, id: string): Promise<IntentRecord> {
  await createDirectRoute({ allocator: ALLOCATOR, confirmations: 50 }, w.lc).execute(intent(id), signal);
  return w.store.get(id) as IntentRecord;
}

/** Mines the record's transaction and marks it included at that block. */
async function mineIncluded(w: FakeWorld, rec: IntentRecord): Promise<IntentRecord> {
  const receipt = w.mine(rec.txs[0]?.raw ?? "");
  return w.store.transition(rec.id, "included", { includedTx: receipt.hash, block: receipt.block });
}

describe("reconcileIntent: one unfinished intent against the chain", () => {
  it("a terminal record is returned as it is: no transition, no broadcast", async () => {
    const w = fakeWorld();
    const rec = await w.store.transition((await planned(w, "t", false)).id, "cancelled");
    const before = w.transitions.length;
    expect(await reconcileIntent(w.lc, rec, { confirmations: 1 })).to.equal(rec);
    expect([w.transitions.length - before, w.broadcasts]).to.deep.equal([0, []]);
  });

  it("an included record only finalises (included→final), never re-settled or resent", async () => {
    const w = fakeWorld();
    const rec = await minedIncluded(w, "i");
    w.head += 10;
    const before = w.transitions.length;
    const out = await reconcileIntent(w.lc, rec, { confirmations: 3 });
    expect(out.state).to.equal("final");
    expect(w.transitions.slice(before)).to.deep.equal(["included→final"]);
    expect(w.broadcasts).to.deep.equal(["raw-1"]);
  });

  it("killed after reserving a nonce (nothing signed): resumed at that same nonce", async () => {
    const w = fakeWorld();
    const rec = await crashAt(w, "n", "after-nonce");
    expect([rec.state, rec.nonce, rec.txs.length]).to.deep.equal(["planned", 0, 0]);
    const out = await reconcileIntent(w.lc, rec, { confirmations: 1 });
    expect([out.state, out.nonce, w.broadcasts]).to.deep.equal(["sent", 0, ["raw-1"]]);
  });

  it("a planned intent exactly at the edge of the resume window is resumed; past a custom window it is cancelled", async () => {
    const w = fakeWorld();
    const rec = await planned(w, "edge");
    const out = await reconcileIntent({ ...w.lc, now: () => rec.createdAt + 600_000 }, rec, { confirmations: 1 });
    expect([out.state, w.broadcasts]).to.deep.equal(["sent", ["raw-1"]]);
    const old = await planned(w, "old");
    const late = { ...w.lc, now: () => old.createdAt + 5_000 };
    const cancelled = await reconcileIntent(late, old, { confirmations: 1, resumeWindowMs: 1_000 });
    expect([cancelled.state, cancelled.error]).to.deep.equal([
      "cancelled",
      { code: "NEVER_SIGNED", message: "stopped before signing" },
    ]);
  });

  it("a resumed intent whose signer is down stays planned with its reserved nonce (the stored record is returned)", async () => {
    const w = fakeWorld();
    const rec = await planned(w, "kms");
    w.signError = new KeelError("KMS_THROTTLED", "slow down", { retryable: true });
    const out = await reconcileIntent(w.lc, rec, { confirmations: 1 });
    expect(out).to.deep.include({ id: "kms", state: "planned", nonce: 0 });
    expect(out).to.deep.equal(w.store.get("kms"));
  });

  it("a nonce used by another transaction ends the intent replaced, with the reason", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    const rec = await crashAt(w, "r", "after-sign");
    w.minedNonce = 1;
    const out = await reconcileIntent(w.lc, rec, { confirmations: 1 });
    expect(out.error).to.deep.equal({
      code: "NONCE_TAKEN",
      message: "the intent's nonce was used by another transaction",
    });
  });

  it("only direct-route intents are re-priced: a stuck bundle intent is resent as signed", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    const rec = await crashAt(w, "b", "after-sign");
    await w.store.transition("b", "signed", { route: "bundle" });
    const bundle = w.store.get("b") as IntentRecord;
    const later = { ...w.lc, now: () => rec.updatedAt + 5_000 };
    const out = await reconcileIntent(later, bundle, { confirmations: 1, replace });
    expect([out.state, out.txs.length, w.broadcasts]).to.deep.equal(["sent", 1, ["raw-1"]]);
  });

  it("a resend the node refuses as reverted settles from the chain (failed) and is logged with mined: true", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    const rec = await crashAt(w, "rv", "after-sign");
    const lines: LogLine[] = [];
    const resend = async (_r: IntentRecord, raw: string): Promise<IntentRecord> => {
      w.mine(raw, false);
      throw new KeelError("EXECUTION_REVERTED", "execution reverted");
    };
    const out = await reconcileIntent({ ...w.lc, logger: recordingLogger(lines) }, rec, { confirmations: 1, resend });
    expect(out.state).to.equal("failed");
    expect(lines).to.deep.equal([
      {
        level: "warn",
        msg: "execution reverted",
        ctx: { intentId: "rv", nonce: 0, code: "EXECUTION_REVERTED", mined: true },
        bindings: {},
      },
    ]);
  });

  it("a resend refused for its fee cap, with nothing mined, leaves the intent in flight (logged with mined: false)", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    const rec = await crashAt(w, "fc", "after-sign");
    const lines: LogLine[] = [];
    const resend = async (): Promise<IntentRecord> => {
      throw new KeelError("FEE_CAP_TOO_LOW", "max fee per gas less than block base fee");
    };
    const out = await reconcileIntent({ ...w.lc, logger: recordingLogger(lines) }, rec, { confirmations: 1, resend });
    expect(out).to.equal(rec);
    expect(lines.map((l) => l.ctx)).to.deep.equal([
      { intentId: "fc", nonce: 0, code: "FEE_CAP_TOO_LOW", mined: false },
    ]);
  });

  it("any other resend error (the node, not the transaction) is thrown: start-up stops", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    const rec = await crashAt(w, "down", "after-sign");
    const resend = async (): Promise<IntentRecord> => {
      throw new KeelError("RPC_UNAVAILABLE", "connection refused", { retryable: true });
    };
    expect((await thrown(reconcileIntent(w.lc, rec, { confirmations: 1, resend }))).code).to.equal("RPC_UNAVAILABLE");
  });
});

describe("reconcileOnStart: the whole store at start-up", () => {
  it("reconciles every non-Safe unfinished intent, waits for rebroadcasts, and counts each outcome", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    const fin = await signedAt(w, "fin", 0);
    await mineIncluded(w, fin);
    w.head = 120;
    await mineIncluded(w, await signedAt(w, "inc", 1));
    await signedAt(w, "rep", 2);
    w.minedNonce = 3; // nonce 2 used by a transaction that is not ours
    await planned(w, "can", false);
    const fail = await signedAt(w, "fail", 3);
    w.mine(fail.txs[0]?.raw ?? "", false);
    await signedAt(w, "pend", 4);
    await signedAt(w, "land", 5);
    await planned(w, "safe", false, "safe");
    const pub = publicBroadcast(w.lc);
    const resend = async (r: IntentRecord, raw: string) => {
      const out = await pub(r, raw);
      if (r.id === "land") w.mine(raw);
      return out;
    };
    const lines: LogLine[] = [];
    const sets: number[] = [];
    const metrics = { pendingIntents: { set: (v: number) => sets.push(v) } };
    const lc = { ...w.lc, logger: recordingLogger(lines), metrics };
    const summary = await reconcileOnStart({ confirmations: 3, resend, settleTimeoutMs: 40, pollMs: 5 }, lc);
    const expected = {
      checked: 7,
      included: 2,
      final: 1,
      rebroadcast: 2,
      replaced: 1,
      cancelled: 1,
      failed: 1,
      pending: 1,
      storeStatus: "loaded",
    };
    expect(summary).to.deep.equal(expected);
    const states = Object.fromEntries(w.store.list().map((r) => [r.id, r.state]));
    expect(states).to.deep.equal({
      fin: "final",
      inc: "included",
      rep: "replaced",
      can: "cancelled",
      fail: "failed",
      pend: "sent",
      land: "included",
      safe: "planned",
    });
    expect(sets.at(-1)).to.equal(4);
    expect(lines.at(-1)).to.deep.equal({
      level: "info",
      msg: "intents reconciled",
      ctx: expected,
      bindings: { step: "reconcile" },
    });
  });

  it("an intent whose resend was refused (still signed) is waited for like a rebroadcast one", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    await crashAt(w, "s", "after-sign");
    const resend = async (): Promise<IntentRecord> => {
      throw new KeelError("FEE_CAP_TOO_LOW", "fee cap below base fee");
    };
    const summary = await reconcileOnStart(
      { confirmations: 1, resend, settleTimeoutMs: 20, pollMs: 5 },
      {
        ...w.lc,
        metrics: {},
      },
    );
    expect([summary.rebroadcast, summary.pending, w.store.get("s")?.state]).to.deep.equal([1, 1, "signed"]);
  });

  it("a fresh store on a chain without the keeper's history starts (the file is written at once)", async () => {
    const w = fakeWorld();
    let flushed = 0;
    const store = { ...w.store, openStatus: "fresh" as const, flush: async () => void flushed++ };
    const summary = await reconcileOnStart({ confirmations: 1 }, { ...w.lc, store });
    expect([summary.storeStatus, summary.checked, flushed]).to.deep.equal(["fresh", 0, 1]);
  });

  it("a loaded store never triggers the lost-store check, whatever the chain's history", async () => {
    const w = fakeWorld();
    w.minedNonce = 7;
    expect((await reconcileOnStart({ confirmations: 1 }, w.lc)).storeStatus).to.equal("loaded");
  });

  it("a missing store on a chain where only the keeper's events show (nonce 0) fails closed, naming the state", async () => {
    const w = fakeWorld();
    const lookbacks: number[] = [];
    const chain = {
      ...w.lc.chain,
      hasRebalancedBy: async (_k: string, blocks: number) => lookbacks.push(blocks) > 0,
    };
    const lines: LogLine[] = [];
    const lc = { ...w.lc, chain, logger: recordingLogger(lines), store: { ...w.store, openStatus: "fresh" as const } };
    const e = await thrown(reconcileOnStart({ confirmations: 1 }, lc));
    expect(e.message).to.match(/^intent store is missing but the chain shows the keeper's history/);
    expect([e.code, e.retryable, e.context]).to.deep.equal([
      "INTENT_STORE_UNRECONCILED",
      false,
      { status: "fresh", quarantined: null },
    ]);
    expect(lines).to.deep.equal([
      {
        level: "error",
        msg: "intent store lost",
        ctx: { store: ":memory:", status: "fresh", quarantined: undefined },
        bindings: { step: "reconcile" },
      },
    ]);
    await thrown(reconcileOnStart({ confirmations: 1, lookbackBlocks: 7 }, lc));
    expect(lookbacks).to.deep.equal([50_000, 7]);
  });

  it("a corrupt store fails closed with the quarantined file in the error context", async () => {
    const w = fakeWorld();
    w.minedNonce = 1;
    const store = { ...w.store, openStatus: "corrupt" as const, quarantinedTo: "/var/keel/intents.json.corrupt-5" };
    const e = await thrown(reconcileOnStart({ confirmations: 1 }, { ...w.lc, store }));
    expect(e.message).to.match(/^intent store is corrupt but/);
    expect(e.context).to.deep.equal({ status: "corrupt", quarantined: "/var/keel/intents.json.corrupt-5" });
  });
});
