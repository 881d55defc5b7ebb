// Market history in the store: written through, loaded at open, one point per series per hour (the
// newest), out-of-order points from a backfill, retention on the chain's timeline, one chain only.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openStore } from "../../../src/adapters/store/store.ts";
import { snapshot } from "../../support/fakes.ts";

const H = 3_600;
const T = 1_800_000_000 - (1_800_000_000 % H);
const ALL = 4_000_000_000;

describe("market history in the store", () => {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "keel-history-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const open = (chain = "31337:0xgenesis", days = 60) => {
    const store = openStore({ dir, retentionDays: 30, now: () => T * 1000 });
    return { store, history: store.history({ chain, historySeconds: days * 86_400 }) };
  };

  it("loads at open what earlier runs recorded and backfilled, one point per hour, the newest", () => {
    const a = open();
    // Ticks every 30 s for two hours, then a backfilled earlier hour arriving late.
    for (let t = T; t < T + 2 * H; t += 30) a.history.record(snapshot({ timestamp: t }));
    a.history.addAll([{ kind: "source", key: "a", point: { t: T - H + 10, aprPct: 9, tvlUsd: 1, utilization: null } }]);
    const before = a.history.window(ALL, ALL);
    a.store.close();

    const b = open();
    expect(b.history.loaded).to.be.greaterThan(0);
    const after = b.history.window(ALL, ALL);
    expect(after).to.deep.equal(before);
    expect(after.sources.a?.map((p) => p.t)).to.deep.equal([T - H + 10, T + H - 30, T + 2 * H - 30]);
    expect(after.prices.USDC?.map((p) => p.t)).to.deep.equal([T + H - 30, T + 2 * H - 30]);
    expect(after.sharePrice).to.have.length(2);
    b.store.close();
  });

  it("keeps historyDays behind the newest point (chain time, not the wall clock)", () => {
    const a = open("31337:0xgenesis", 60);
    a.history.record(snapshot({ timestamp: T }));
    a.history.record(snapshot({ timestamp: T + 61 * 86_400 }));
    a.store.close();
    const b = open("31337:0xgenesis", 60);
    expect(b.history.window(ALL, ALL).sources.a?.map((p) => p.t)).to.deep.equal([T + 61 * 86_400]);
    b.store.close();
  });

  it("drops history of another chain (another genesis) instead of mixing it in", () => {
    const a = open("31337:0xone");
    a.history.record(snapshot({ timestamp: T }));
    a.store.close();
    const b = open("31337:0xtwo");
    expect(b.history.dropped).to.be.greaterThan(0);
    expect(b.history.window(ALL, ALL).sources).to.deep.equal({});
    b.store.close();
  });
});
