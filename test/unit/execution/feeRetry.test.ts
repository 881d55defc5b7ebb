// The direct route's answer to a node that refuses a fee cap below the next block's base fee: re-sign at
// the same nonce with a raised cap, within the fee ceiling. Execution core with in-memory fakes.
import { expect } from "chai";
import { createDirectRoute } from "../../../src/execution/direct.ts";
import { createExecutionCore } from "../../../src/execution/execution.ts";
import { raisedFeeCap } from "../../../src/execution/feeRetry.ts";
import { ALLOCATOR, fakeWorld, intent, thrown } from "../../support/executionFakes.ts";

const GWEI = 1_000_000_000n;
const signal = new AbortController().signal;
const route = (w: ReturnType<typeof fakeWorld>, ceilingWei?: bigint) =>
  createDirectRoute(
    {
      allocator: ALLOCATOR,
      receiptTimeoutMs: 50,
      receiptPollMs: 5,
      ...(ceilingWei === undefined
        ? {}
        : { replace: { stuckAfterMs: 60_000, bumpBps: 1_250, maxFeePerGasWei: ceilingWei } }),
    },
    w.lc,
  );

describe("fee-cap refusal: re-sign at the same nonce within the ceiling (execution core, fakes)", () => {
  it("raisedFeeCap: max(2 × refused, 2 × next base + tip), clamped to the ceiling; none past it", () => {
    expect(raisedFeeCap(10n * GWEI, GWEI, 30n * GWEI, 1_000n * GWEI)).to.equal(61n * GWEI);
    expect(raisedFeeCap(10n * GWEI, GWEI, 2n * GWEI, 1_000n * GWEI)).to.equal(20n * GWEI);
    expect(raisedFeeCap(10n * GWEI, GWEI, undefined, 1_000n * GWEI)).to.equal(20n * GWEI);
    expect(raisedFeeCap(10n * GWEI, GWEI, 30n * GWEI, 40n * GWEI)).to.equal(40n * GWEI);
    expect(raisedFeeCap(40n * GWEI, GWEI, undefined, 40n * GWEI)).to.equal(undefined);
    expect(raisedFeeCap(10n * GWEI, GWEI, 41n * GWEI, 40n * GWEI)).to.equal(undefined);
  });

  it("a refused cap is re-signed at the same nonce with the fresh base fee's cap and lands once", async () => {
    const w = fakeWorld();
    w.nextBaseFeeWei = 30n * GWEI; // the intent's cap is 10 gwei
    const action = await route(w, 1_000n * GWEI).execute(intent("jump"), signal);
    expect(action.status).to.equal("included");
    const rec = w.store.get("jump");
    expect(rec?.txs.map((t) => [t.maxFeePerGasWei, t.maxPriorityFeePerGasWei])).to.deep.equal([
      [(10n * GWEI).toString(), GWEI.toString()],
      [(61n * GWEI).toString(), GWEI.toString()],
    ]);
    expect([rec?.nonce, rec?.includedTx, w.broadcasts]).to.deep.equal([0, "0xhash2", ["raw-2"]]);
  });

  it("without a base fee from the node, the cap doubles per refusal", async () => {
    const w = fakeWorld();
    w.nextBaseFeeWei = 35n * GWEI;
    (w.lc.chain as { nextBaseFee: () => Promise<bigint | undefined> }).nextBaseFee = async () => undefined;
    expect((await route(w, 1_000n * GWEI).execute(intent("blind"), signal)).status).to.equal("included");
    expect(w.store.get("blind")?.txs.map((t) => BigInt(t.maxFeePerGasWei) / GWEI)).to.deep.equal([10n, 20n, 40n]);
  });

  it("at the ceiling: FEE_CEILING_REACHED (retryable), intent cancelled, nothing broadcast, nonce handed back", async () => {
    const w = fakeWorld();
    w.nextBaseFeeWei = 30n * GWEI;
    const r = route(w, 20n * GWEI);
    const e = await thrown(r.execute(intent("ceiling"), signal));
    expect([e.code, e.retryable, e.context.ceilingWei]).to.deep.equal([
      "FEE_CEILING_REACHED",
      true,
      (20n * GWEI).toString(),
    ]);
    expect(w.store.get("ceiling")).to.deep.include({ state: "cancelled", nonce: 0 });
    expect(w.store.get("ceiling")?.error?.code).to.equal("FEE_CEILING_REACHED");
    expect(w.broadcasts).to.deep.equal([]);
    w.nextBaseFeeWei = undefined;
    expect((await r.execute(intent("after"), signal)).status).to.equal("included");
    expect(w.store.get("after")?.nonce).to.equal(0);
  });

  it("the composed core's direct route (as the daemon builds it) re-signs within the replace policy's cap", async () => {
    const w = fakeWorld();
    w.nextBaseFeeWei = 30n * GWEI;
    const core = await createExecutionCore(
      {
        allocator: ALLOCATOR,
        routing: { route: "direct", inBoundsRoute: "direct" },
        confirmations: 1,
        adoptChainHistory: false,
        settleTimeoutMs: 50,
        receiptTimeoutMs: 50,
        receiptPollMs: 5,
        replace: { stuckAfterMs: 60_000, bumpBps: 1_250, maxFeePerGasWei: 1_000n * GWEI },
      },
      { lc: w.lc },
    );
    expect((await core.executor.execute(intent("daemon"), signal)).status).to.equal("included");
    expect(w.store.get("daemon")?.txs).to.have.length(2);
  });
});
