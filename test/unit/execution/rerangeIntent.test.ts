// A Uniswap v3 re-range through the execution core: the same write-ahead intent, nonce and settlement as a
// rebalance, calling the position adapter instead of the allocator; the Safe route, which cannot carry it, refuses it.
import { expect } from "chai";
import { createBundleRoute } from "../../../src/execution/bundle.ts";
import { createDirectRoute } from "../../../src/execution/direct.ts";
import { createRoutingExecutor } from "../../../src/execution/router.ts";
import type { Executor, Intent } from "../../../src/ports/execution.ts";
import { ALLOCATOR, BUNDLE_OPTS, fakeWorld, intent, thrown } from "../../support/executionFakes.ts";

const signal = new AbortController().signal;
const ADAPTER = "0x00000000000000000000000000000000000000b3";

function rerangeIntent(id: string): Intent {
  const base = intent(id);
  const rerange = { sourceId: ADAPTER, tickLower: -1_200, tickUpper: 1_200, gainUsd: 500, costUsd: 20 };
  return { ...base, plan: { ...base.plan, moves: [], rerange } };
}

describe("a re-range intent (execution core, fakes)", () => {
  it("is recorded with its call to the adapter before it is signed, sent once, and settled by its receipt", async () => {
    const w = fakeWorld();
    const route = createDirectRoute(
      { allocator: ALLOCATOR, confirmations: 1, receiptTimeoutMs: 50, receiptPollMs: 5 },
      w.lc,
    );
    let atSign: unknown;
    const sign = w.lc.signer.sign;
    (w.lc as { signer: typeof w.lc.signer }).signer = {
      ...w.lc.signer,
      sign: async (req) => {
        const rec = w.store.get("d-r");
        atSign = { state: rec?.state, to: rec?.request?.to, data: rec?.request?.data, nonce: rec?.nonce };
        return sign(req);
      },
    };
    const action = await route.execute(rerangeIntent("d-r"), signal);
    expect(atSign).to.deep.equal({ state: "planned", to: ADAPTER, data: "rerange:-1200:1200", nonce: 0 });
    expect(action).to.deep.include({ route: "direct", status: "included", txHashes: ["0xhash1"] });
    const rec = w.store.get("d-r");
    expect(rec?.state).to.equal("final");
    expect(rec?.rerange).to.deep.equal({ sourceId: ADAPTER, tickLower: -1_200, tickUpper: 1_200 });
    expect(rec?.moves).to.deep.equal([]);
    // The same decision again (a retried tick): the stored intent answers, nothing is signed or sent again.
    const again = await route.execute(rerangeIntent("d-r"), signal);
    expect(again.txHashes).to.deep.equal(["0xhash1"]);
    expect(w.broadcasts).to.deep.equal(["raw-1"]);
  });

  it("is carried by the bundle route like a rebalance: the same signed call to the adapter, settled by its receipt", async () => {
    const w = fakeWorld();
    const route = createBundleRoute(BUNDLE_OPTS, w.lc, w.relays);
    const action = await route.execute(rerangeIntent("d-b"), signal);
    expect(action).to.deep.include({ route: "bundle", status: "included" });
    expect(w.store.get("d-b")?.request?.to).to.equal(ADAPTER);
    expect(w.broadcasts, "nothing went to the public mempool").to.deep.equal([]);
  });

  it("goes by the configured direct or bundle route (auto: the in-bounds route); the Safe refuses it (RERANGE_ROUTE_UNSUPPORTED)", async () => {
    const w = fakeWorld();
    const seen: string[] = [];
    const executor = (name: string): Executor => ({
      execute: async (i) => {
        seen.push(name);
        return { route: "direct", intentId: i.id, txHashes: [], status: "sent" };
      },
    });
    const executors = { direct: executor("direct"), bundle: executor("bundle"), safe: executor("safe") };
    const deps = {
      executors,
      chain: w.lc.chain,
      encoder: w.lc.encoder,
      keeper: "0x00000000000000000000000000000000000000ee",
    };
    const router = (route: "direct" | "bundle" | "safe" | "auto", inBoundsRoute: "direct" | "bundle" = "direct") =>
      createRoutingExecutor({ route, inBoundsRoute, allocator: ALLOCATOR }, deps);
    await router("auto").execute(rerangeIntent("a"), signal);
    await router("direct").execute(rerangeIntent("b"), signal);
    await router("auto", "bundle").execute(rerangeIntent("c"), signal);
    await router("bundle").execute(rerangeIntent("d"), signal);
    expect(seen).to.deep.equal(["direct", "direct", "bundle", "bundle"]);
    const err = await thrown(router("safe").execute(rerangeIntent("e"), signal));
    expect(err.code).to.equal("RERANGE_ROUTE_UNSUPPORTED");
    expect(err.retryable).to.equal(false);
    expect(seen).to.have.length(4);
  });
});
