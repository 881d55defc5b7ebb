// What every intent store promises (src/ports/intentStore.ts), checked on both implementations: the
// in-memory one (tests, backtests, tools) and the lowdb file the daemon uses. Written to kill the
// surviving mutants of the mutation run (docs/mutation.md).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openIntentStore } from "../../../src/adapters/execution/intentStore.ts";
import type { IntentState } from "../../../src/domain/intent.ts";
import { TERMINAL_STATES } from "../../../src/execution/intentStates.ts";
import { openMemoryIntentStore } from "../../../src/execution/memoryIntentStore.ts";
import type { IntentStore } from "../../../src/ports/intentStore.ts";
import { thrown } from "../../support/executionFakes.ts";

const base = { onchainId: "0x01", decisionId: "d", route: "direct" as const, moves: [] };
const dir = mkdtempSync(join(tmpdir(), "keel-intent-contract-"));
let files = 0;

/** The path an intent takes from `planned` to each state (edges of the state machine). */
const PATHS: Record<string, readonly IntentState[]> = {
  final: ["included", "final"],
  replaced: ["signed", "replaced"],
  cancelled: ["cancelled"],
  failed: ["failed"],
  sent: ["signed", "sent"],
  included: ["included"],
};

const stores: [string, () => Promise<IntentStore>][] = [
  ["in-memory", async () => openMemoryIntentStore(() => 1_000)],
  ["lowdb file", () => openIntentStore({ path: join(dir, `s${++files}.json`), now: () => 1_000 })],
];

for (const [name, open] of stores) {
  describe(`intent store contract (${name})`, () => {
    it("create is idempotent: an existing id returns the stored record as it is now, never a fresh planned one", async () => {
      const s = await open();
      const created = await s.create({ ...base, id: "a" });
      expect(created).to.deep.equal({
        ...base,
        id: "a",
        state: "planned",
        txs: [],
        createdAt: 1_000,
        updatedAt: 1_000,
      });
      await s.transition("a", "signed", { nonce: 4, from: "0xabc" });
      const again = await s.create({ ...base, id: "a", decisionId: "other" });
      expect(again).to.deep.include({ state: "signed", nonce: 4, decisionId: "d" });
      expect(s.get("a")).to.deep.include({ state: "signed", nonce: 4 });
      expect(s.list()).to.have.length(1);
    });

    it("unfinished() leaves out every terminal state (final, replaced, cancelled, failed) and keeps the rest", async () => {
      const s = await open();
      for (const [id, path] of Object.entries(PATHS)) {
        await s.create({ ...base, id });
        for (const to of path) await s.transition(id, to);
      }
      expect(s.unfinished().map((r) => r.id)).to.deep.equal(["sent", "included"]);
      expect(
        s
          .list()
          .filter((r) => TERMINAL_STATES.has(r.state))
          .map((r) => r.id),
      ).to.deep.equal(["final", "replaced", "cancelled", "failed"]);
    });

    it("list() returns every record in insertion order; list(filter) only those the filter accepts", async () => {
      const s = await open();
      for (const id of ["x", "y", "z"]) await s.create({ ...base, id });
      await s.transition("y", "cancelled");
      expect(s.list().map((r) => r.id)).to.deep.equal(["x", "y", "z"]);
      expect(s.list((r) => r.state === "cancelled").map((r) => r.id)).to.deep.equal(["y"]);
      expect(s.list(() => false)).to.deep.equal([]);
    });

    it("a transition of an unknown id is INTENT_UNKNOWN, naming the id in the message and the context", async () => {
      const s = await open();
      const e = await thrown(s.transition("ghost", "sent"));
      expect([e.code, e.message, e.context]).to.deep.equal([
        "INTENT_UNKNOWN",
        "no intent ghost in the store",
        { intentId: "ghost" },
      ]);
    });

    it("an edge the state machine forbids is INTENT_BAD_TRANSITION, naming the intent, where it is and where it was sent", async () => {
      const s = await open();
      await s.create({ ...base, id: "c" });
      await s.transition("c", "cancelled");
      const e = await thrown(s.transition("c", "sent"));
      expect([e.code, e.message, e.context]).to.deep.equal([
        "INTENT_BAD_TRANSITION",
        "intent c cannot go from cancelled to sent",
        { intentId: "c", from: "cancelled", to: "sent" },
      ]);
      expect(s.get("c")?.state).to.equal("cancelled");
    });
  });
}

describe("intent store contract (implementation specifics)", () => {
  it("the in-memory store reports itself loaded (reconciliation never treats it as a lost store) at :memory:", () => {
    const s = openMemoryIntentStore();
    expect([s.openStatus, s.path, s.quarantinedTo]).to.deep.equal(["loaded", ":memory:", undefined]);
  });

  it("a corrupt file opens empty: no intent, nothing unfinished (only the quarantined copy holds the bytes)", async () => {
    const path = join(dir, "corrupt.json");
    writeFileSync(path, '{"version":1,"intents":[{"id":"x","sta');
    const s = await openIntentStore({ path, now: () => 7 });
    expect(s.openStatus).to.equal("corrupt");
    expect(s.list()).to.deep.equal([]);
    expect(s.unfinished()).to.deep.equal([]);
    expect(s.get("x")).to.equal(undefined);
  });
});
