import { expect } from "chai";
import { createIntentGauges, type IntentFacts } from "../../../src/observability/intentGauges.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";

const KEEPER = "0x00000000000000000000000000000000000000Aa";
const OTHER = "0x00000000000000000000000000000000000000Bb";

/** An intent store, a chain (receipts, head) and a journal (decision blocks), by hand. */
function world() {
  const intents: IntentFacts[] = [];
  const receipts = new Map<string, { from: string; fee: bigint }>();
  const decisionBlocks = new Map<string, number>();
  const state = { head: 100 };
  const metrics = createMetrics({ defaultMetrics: false });
  const gauges = () =>
    createIntentGauges({
      metrics,
      keeper: KEEPER,
      intents: () => intents,
      receipt: async (h) => receipts.get(h) ?? null,
      headBlock: async () => state.head,
      decisionBlock: async (id) => decisionBlocks.get(id),
    });
  const gas = async () => (await metrics.gasSpent.get()).values[0]?.value;
  const oldest = async () => (await metrics.oldestPendingIntentBlocks.get()).values[0]?.value;
  return { intents, receipts, decisionBlocks, state, gauges, gas, oldest };
}

describe("intent gauges: gas spent and the oldest intent waiting for the chain", () => {
  it("counts the fee of each intent transaction the keeper paid, once, from when this process saw it mined", async () => {
    const w = world();
    w.intents.push({ decisionId: "d0", route: "direct", state: "final", includedTx: "0x0" });
    w.receipts.set("0x0", { from: KEEPER, fee: 7n });
    const g = w.gauges(); // 0x0 was mined before this process: its process counted it
    w.intents.push({ decisionId: "d1", route: "direct", state: "sent" });
    await g.update();
    expect(await w.gas()).to.equal(0);

    w.intents[1] = { ...w.intents[1]!, state: "included", includedTx: "0x1" };
    await g.update(); // not visible on the chain yet: counted later
    expect(await w.gas()).to.equal(0);
    w.receipts.set("0x1", { from: KEEPER.toLowerCase(), fee: 21_000n * 30_000_000_000n });
    await g.update();
    await g.update();
    expect(await w.gas()).to.equal(630_000_000_000_000);

    // A mined revert costs gas too; a Safe transaction executed by someone else does not cost the keeper.
    w.intents.push({ decisionId: "d2", route: "direct", state: "failed", includedTx: "0x2" });
    w.receipts.set("0x2", { from: KEEPER, fee: 1_000n });
    w.intents.push({ decisionId: "d3", route: "safe", state: "final", includedTx: "0x3" });
    w.receipts.set("0x3", { from: OTHER, fee: 5_000n });
    await g.update();
    expect(await w.gas()).to.equal(630_000_000_001_000);
  });

  it("ages the oldest intent waiting for the chain from its decision's block; Safe proposals and settled intents are not waiting", async () => {
    const w = world();
    const g = w.gauges();
    await g.update();
    expect(await w.oldest()).to.equal(0);
    w.intents.push({ decisionId: "d-safe", route: "safe", state: "sent" });
    w.decisionBlocks.set("d-safe", 10);
    w.intents.push({ decisionId: "d-done", route: "direct", state: "final", includedTx: "0x9" });
    w.decisionBlocks.set("d-done", 20);
    await g.update();
    expect(await w.oldest(), "a Safe proposal waits for signers, not for the chain").to.equal(0);
    w.intents.push({ decisionId: "d-sent", route: "bundle", state: "sent" });
    w.decisionBlocks.set("d-sent", 70);
    w.intents.push({ decisionId: "d-new", route: "direct", state: "planned" });
    w.decisionBlocks.set("d-new", 95);
    w.intents.push({ decisionId: "d-unknown", route: "direct", state: "signed" });
    await g.update();
    expect(await w.oldest()).to.equal(30);
    w.state.head = 140;
    await g.update();
    expect(await w.oldest()).to.equal(70);
  });
});
