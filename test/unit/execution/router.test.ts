// The routing executor (src/execution/router.ts): which executor gets an intent, and the keeper-bounds
// simulation behind `auto`. Fakes for the executors and the chain.
import { expect } from "chai";
import type { Action } from "../../../src/domain/decision.ts";
import { createRoutingExecutor } from "../../../src/execution/router.ts";
import type { Route } from "../../../src/pipeline/execute/route.ts";
import type { Executor, Intent } from "../../../src/ports/execution.ts";
import { ALLOCATOR, intent, KEEPER, revert, thrown } from "../../support/executionFakes.ts";

const signal = new AbortController().signal;

/** A world of fake executors (each records the intents it got) and a chain whose simulation may revert. */
function world(revertName?: string) {
  const got: [Route, string][] = [];
  const simulated: { from: string; to: string; data: string }[] = [];
  const executor = (route: Route): Executor => ({
    execute: async (i: Intent) => {
      got.push([route, i.id]);
      return { route } as unknown as Action;
    },
  });
  const deps = {
    executors: { direct: executor("direct"), bundle: executor("bundle"), safe: executor("safe") },
    chain: {
      simulate: async (tx: { from: string; to: string; data: string }) => {
        simulated.push(tx);
        if (revertName) throw revert(revertName);
      },
    },
    encoder: {
      intentIdOf: (id: string) => `oid:${id}`,
      encodeRebalance: (id: string, moves: readonly unknown[], c?: unknown) =>
        `rebalance:${id}:${moves.length}:${c ?? "-"}`,
      encodeRerange: (lower: number, upper: number) => `rerange:${lower}:${upper}`,
    },
    keeper: KEEPER,
  };
  return { got, simulated, deps };
}

const auto = { route: "auto", inBoundsRoute: "bundle", allocator: ALLOCATOR } as const;

describe("routing executor", () => {
  it("a fixed route is used as configured, without simulating", async () => {
    const w = world("MoveTooLarge");
    const r = createRoutingExecutor({ route: "direct", inBoundsRoute: "bundle", allocator: ALLOCATOR }, w.deps);
    expect(await r.execute(intent("a"), signal)).to.deep.equal({ route: "direct" });
    expect([w.got, w.simulated]).to.deep.equal([[["direct", "a"]], []]);
  });

  it("auto: a plan that needs approval goes to the Safe without simulating", async () => {
    const w = world();
    const i = intent("b");
    const r = createRoutingExecutor(auto, w.deps);
    expect(await r.routeFor({ ...i, plan: { ...i.plan, needsApproval: true } })).to.equal("safe");
    expect(w.simulated).to.deep.equal([]);
  });

  it("auto: the rebalance is simulated as the keeper against the allocator; in bounds it takes the in-bounds route", async () => {
    const w = world();
    const r = createRoutingExecutor(auto, w.deps);
    await r.execute({ ...intent("c"), commitment: "C" as never }, signal);
    expect(w.simulated).to.deep.equal([{ from: KEEPER, to: ALLOCATOR, data: "rebalance:c:1:C" }]);
    expect(w.got).to.deep.equal([["bundle", "c"]]);
  });

  it("auto: a revert on a keeper size/loss bound sends it to the Safe; any other revert keeps the in-bounds route", async () => {
    const bound = world("MoveTooLarge");
    await createRoutingExecutor(auto, bound.deps).execute(intent("d"), signal);
    expect(bound.got).to.deep.equal([["safe", "d"]]);
    const other = world("RateLimited");
    await createRoutingExecutor(auto, other.deps).execute(intent("e"), signal);
    expect(other.got).to.deep.equal([["bundle", "e"]]);
  });

  it("a route that is needed but not configured is ROUTE_NOT_CONFIGURED (not retryable), nothing sent", async () => {
    const w = world("LossTooHigh");
    const r = createRoutingExecutor(auto, { ...w.deps, executors: { bundle: w.deps.executors.bundle } });
    const e = await thrown(r.execute(intent("f"), signal));
    expect([e.code, e.retryable, e.context, e.message]).to.deep.equal([
      "ROUTE_NOT_CONFIGURED",
      false,
      { route: "safe" },
      "route safe is needed but not configured",
    ]);
    expect(w.got).to.deep.equal([]);
  });

  it("a re-range is the keeper's own call: auto takes the in-bounds route unsimulated, a fixed route as set, never the Safe", async () => {
    const rerange = {
      sourceId: "0x00000000000000000000000000000000000000c3",
      tickLower: -60,
      tickUpper: 60,
      gainUsd: 9,
      costUsd: 1,
    };
    const i = intent("g");
    const order = { ...i, plan: { ...i.plan, moves: [], rerange, needsApproval: true } };
    const w = world("MoveTooLarge");
    // Under auto, neither the approval flag nor a bound revert of a rebalance sends it to the Safe.
    expect(await createRoutingExecutor(auto, w.deps).routeFor(order)).to.equal("bundle");
    expect(w.simulated).to.deep.equal([]);
    const direct = createRoutingExecutor({ ...auto, route: "direct" }, w.deps);
    expect(await direct.routeFor(order)).to.equal("direct");
    const safe = createRoutingExecutor({ ...auto, route: "safe" }, w.deps);
    const e = await thrown(safe.execute(order, signal));
    expect([e.code, e.retryable, e.context]).to.deep.equal(["RERANGE_ROUTE_UNSUPPORTED", false, { route: "safe" }]);
    expect(e.message).to.match(/re-range is the keeper's own call/);
    expect(w.got).to.deep.equal([]);
  });
});
