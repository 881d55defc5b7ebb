// Re-pricing a stuck transaction at its nonce (src/execution/replace.ts), with the execution fakes:
// when it is stuck, the fee cap, what is signed (the call again, or a no-op cancel) and what is logged.
import { expect } from "chai";
import { KeelError } from "../../../src/domain/errors.ts";
import type { IntentRecord } from "../../../src/domain/intent.ts";
import { type LifecycleDeps, publicBroadcast } from "../../../src/execution/lifecycle.ts";
import { replaceStuck } from "../../../src/execution/replace.ts";
import type { TxRequest } from "../../../src/ports/txSender.ts";
import {
  ALLOCATOR,
  type FakeWorld,
  fakeWorld,
  KEEPER,
  type LogLine,
  recordingLogger,
  signedAt,
} from "../../support/executionFakes.ts";

const policy = { stuckAfterMs: 1_000, bumpBps: 1_250, maxFeePerGasWei: 100_000_000_000n };

/** The fake world with its signer and simulator recording what they were asked, `ms` after the record's tx. */
function probe(w: FakeWorld, rec: IntentRecord, ms: number) {
  const signed: TxRequest[] = [];
  const simulated: object[] = [];
  const lines: LogLine[] = [];
  const at = rec.txs.at(-1)?.at ?? 0;
  const lc: LifecycleDeps = {
    ...w.lc,
    now: () => at + ms,
    logger: recordingLogger(lines),
    signer: {
      ...w.lc.signer,
      sign: (req) => {
        signed.push(req);
        return w.lc.signer.sign(req);
      },
    },
    chain: {
      ...w.lc.chain,
      simulate: async (tx) => {
        simulated.push(tx);
        if (w.simulateError) throw w.simulateError;
      },
    },
  };
  return { lc, signed, simulated, lines, run: (p = policy) => replaceStuck(lc, rec, p, publicBroadcast(lc)) };
}

describe("replaceStuck: re-pricing at the same nonce", () => {
  it("is stuck exactly at stuckAfterMs, not a millisecond before", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    const rec = await signedAt(w, "s", 0);
    const early = probe(w, rec, 999);
    expect(await early.run()).to.equal(rec);
    expect(early.signed).to.deep.equal([]);
    const due = probe(w, rec, 1_000);
    expect((await due.run()).txs.map((t) => t.maxFeePerGasWei)).to.deep.equal(["10000000000", "11250000000"]);
  });

  it("re-checks the call as the keeper and re-signs it (same target, data, gas limit, nonce) with fees bumped", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    const p = probe(w, await signedAt(w, "v", 3), 5_000);
    const out = await p.run();
    expect(p.simulated).to.deep.equal([{ from: KEEPER, to: ALLOCATOR, data: "rebalance:v" }]);
    expect(p.signed).to.deep.equal([
      {
        chainId: 1n,
        maxFeePerGas: 11_250_000_000n,
        maxPriorityFeePerGas: 1_125_000_000n,
        to: ALLOCATOR,
        data: "rebalance:v",
        gasLimit: 90_000n,
        from: KEEPER,
        nonce: 3,
      },
    ]);
    expect([out.state, out.txs.at(-1)?.kind]).to.deep.equal(["sent", undefined]);
    expect(p.lines).to.deep.equal([
      {
        level: "warn",
        msg: "stuck transaction replaced",
        ctx: { intentId: "v", nonce: 3, cancel: false, maxFeePerGasWei: "11250000000" },
        bindings: {},
      },
    ]);
  });

  it("a call that would now revert is replaced by a no-op self-transfer (value 0, data 0x, 21 000 gas)", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    w.simulateError = new KeelError("EXECUTION_REVERTED", "gone");
    const p = probe(w, await signedAt(w, "c", 1), 5_000);
    const out = await p.run();
    expect(p.signed[0]).to.deep.include({ to: KEEPER, value: 0n, data: "0x", gasLimit: 21_000n, nonce: 1 });
    expect(out.txs.at(-1)?.kind).to.equal("cancel");
    expect(p.lines.map((l) => l.ctx)).to.deep.include({
      intentId: "c",
      nonce: 1,
      cancel: true,
      maxFeePerGasWei: "11250000000",
    });
  });

  it("once cancelled, a further bump stays a cancel without re-checking the call (even if it would pass now)", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    w.simulateError = new KeelError("EXECUTION_REVERTED", "gone");
    const cancelled = await probe(w, await signedAt(w, "cc", 2), 5_000).run();
    w.simulateError = undefined;
    const again = probe(w, cancelled, 5_000);
    const out = await again.run();
    expect(again.simulated).to.deep.equal([]);
    expect(again.signed[0]).to.deep.include({ to: KEEPER, data: "0x", maxFeePerGas: 12_656_250_000n });
    expect(out.txs.map((t) => t.kind)).to.deep.equal([undefined, "cancel", "cancel"]);
  });

  it("never passes the fee cap: a bump above it is not sent (and says so); one exactly at it is", async () => {
    const w = fakeWorld();
    w.mempool = "hold";
    const rec = await signedAt(w, "cap", 4);
    const over = probe(w, rec, 5_000);
    expect(await over.run({ ...policy, maxFeePerGasWei: 11_249_999_999n })).to.equal(rec);
    expect([over.signed, over.lines]).to.deep.equal([
      [],
      [
        {
          level: "warn",
          msg: "stuck transaction at the fee cap; not bumped",
          ctx: { intentId: "cap", nonce: 4 },
          bindings: {},
        },
      ],
    ]);
    // Without a logger it still refuses, quietly.
    const { logger: _, ...quiet } = over.lc;
    expect(await replaceStuck(quiet, rec, { ...policy, maxFeePerGasWei: 1n }, publicBroadcast(quiet))).to.equal(rec);
    const at = probe(w, rec, 5_000);
    expect((await at.run({ ...policy, maxFeePerGasWei: 11_250_000_000n })).txs).to.have.length(2);
  });

  it("a record holding a nonce but nothing signed yet (killed after reserving) is left alone", async () => {
    const w = fakeWorld();
    const rec = await w.store.create({
      id: "n",
      onchainId: "oid:n",
      decisionId: "n",
      route: "direct",
      moves: [],
      request: { to: ALLOCATOR, data: "rebalance:n", chainId: "1", maxFeePerGasWei: "1", maxPriorityFeePerGasWei: "1" },
    });
    const held = await w.store.transition(rec.id, "planned", { from: KEEPER, nonce: 0 });
    const p = probe(w, held, 5_000);
    expect(await p.run()).to.equal(held);
    expect([p.signed, p.simulated]).to.deep.equal([[], []]);
  });
});
