import { expect } from "chai";
import { memoryHistoryStore } from "../../../src/adapters/memory/historyStore.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import type { Snapshot } from "../../../src/domain/snapshot.ts";
import { createIngestStage } from "../../../src/pipeline/ingest/ingest.ts";
import { fakeClock, snapshot, source } from "../../support/fakes.ts";

const opts = { expectedChainId: 31337, maxDataAgeSeconds: 600, lookbackSeconds: 86_400, maxAccountingGapBps: 1 };

function stageFor(s: Snapshot, nowSeconds = s.timestamp + 10) {
  const history = memoryHistoryStore({ maxPointsPerSeries: 100 });
  const clock = fakeClock(nowSeconds * 1000);
  return { history, stage: createIngestStage(opts, { market: { observe: async () => s }, history, clock }) };
}

const run = (s: Snapshot, now?: number) => stageFor(s, now).stage.run(undefined, new AbortController().signal);

describe("ingest", () => {
  it("hands on a valid snapshot with a history window that includes it", async () => {
    const s = snapshot();
    const r = await run(s);
    expect(r.status).to.equal("ok");
    if (r.status === "ok") expect(r.value.history.sources.a?.at(-1)?.t).to.equal(s.timestamp);
  });

  it("halts RPC_STATE_DISAGREE (observe only) when the endpoints disagree on the state, and rethrows other failures", async () => {
    const failing = (err: Error) =>
      createIngestStage(opts, {
        market: {
          observe: async () => {
            throw err;
          },
        },
        history: memoryHistoryStore({ maxPointsPerSeries: 100 }),
        clock: fakeClock(0),
      }).run(undefined, new AbortController().signal);
    const r = await failing(new KeelError("RPC_STATE_DISAGREE", "rpc#0 vs rpc#1", { retryable: true }));
    expect(r.status === "halt" && r.reasons.map((x) => [x.code, x.severity])).to.deep.equal([
      ["RPC_STATE_DISAGREE", "halt"],
    ]);
    const other = await failing(new KeelError("RPC_UNAVAILABLE", "down", { retryable: true })).catch((e) => e);
    expect(other).to.be.instanceOf(KeelError).with.property("code", "RPC_UNAVAILABLE");
  });

  it("halts STALE_DATA when the head block is older than the limit", async () => {
    const r = await run(snapshot(), snapshot().timestamp + 601);
    expect(r.status === "halt" && r.reasons.map((x) => x.code)).to.deep.equal(["STALE_DATA"]);
  });

  it("halts CHAIN_ID_MISMATCH on the wrong chain", async () => {
    const r = await run(snapshot({ chainId: 1 }));
    expect(r.status === "halt" && r.reasons[0]?.code).to.equal("CHAIN_ID_MISMATCH");
  });

  it("halts INCONSISTENT_DATA when idle + positions do not add up to total assets", async () => {
    const s = snapshot();
    const r = await run({ ...s, vault: { ...s.vault, idle: s.vault.idle / 2n } });
    expect(r.status === "halt" && r.reasons[0]?.code).to.equal("INCONSISTENT_DATA");
  });

  it("checks total assets against the allocator's books when it keeps them (idle + debt − locked profit)", async () => {
    const s = snapshot();
    const positions = s.sources.reduce((x, src) => x + src.balance, 0n);
    // Live positions 1 % above the books (yield not reported yet), 500 of profit still unlocking: consistent.
    const booked = { debt: positions, locked: 500n };
    const vault = { ...s.vault, totalAssets: s.vault.idle + positions - 500n, booked };
    const live = s.sources.map((src) => ({ ...src, balance: (src.balance * 101n) / 100n }));
    expect((await run({ ...s, vault, sources: live })).status).to.equal("ok");
    const off = await run({ ...s, vault: { ...vault, booked: { debt: positions + 10n ** 11n, locked: 500n } } });
    expect(off.status === "halt" && off.reasons[0]?.code).to.equal("INCONSISTENT_DATA");
  });

  it("halts on non-finite source data (an unmeasurable rate) rather than planning from it", async () => {
    const r = await run(snapshot({ sources: [source("a", { aprPct: Number.NaN })] }));
    expect(r.status === "halt" && r.reasons[0]?.code).to.equal("BAD_SOURCE_DATA");
  });

  it("keeps observing while paused: records the snapshot, then halts PAUSED", async () => {
    const s = snapshot();
    const { stage, history } = stageFor({ ...s, vault: { ...s.vault, paused: true } });
    const r = await stage.run(undefined, new AbortController().signal);
    expect(r.status === "halt" && r.reasons[0]?.code).to.equal("PAUSED");
    expect(history.window(s.timestamp, 60).sources.a).to.have.length(1);
  });
});

describe("memory history store", () => {
  it("never returns points after asOf and keeps a bounded number of points", () => {
    const h = memoryHistoryStore({ maxPointsPerSeries: 3 });
    for (let t = 1; t <= 5; t++) h.record(snapshot({ timestamp: t * 100 }));
    const w = h.window(350, 10_000);
    expect(w.sources.a?.map((p) => p.t)).to.deep.equal([300]);
    expect(h.window(10_000, 10_000).sources.a?.map((p) => p.t)).to.deep.equal([300, 400, 500]);
  });

  it("keeps one point per period, the newest, so its reach does not shrink with the tick rate", () => {
    const h = memoryHistoryStore({ maxPointsPerSeries: 3, resolutionSeconds: 3_600 });
    // A tick every 30 s for 5 hours: 600 observations.
    for (let t = 0; t < 5 * 3_600; t += 30) h.record(snapshot({ timestamp: 1_800_000_000 + t }));
    const ts = h.window(1_800_000_000 + 10 * 3_600, 10 * 3_600).sources.a?.map((p) => p.t - 1_800_000_000);
    expect(ts).to.deep.equal([2 * 3_600 + 3_570, 3 * 3_600 + 3_570, 4 * 3_600 + 3_570]);
  });
});
