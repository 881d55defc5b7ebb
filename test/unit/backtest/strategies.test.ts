import { expect } from "chai";
import type { StrategyName } from "../../../src/backtest/engine.ts";
import { backtestOver, DAY, rebalanceDays, scriptedDataset, T0 } from "../../support/backtest.ts";

// Three USDC sources whose leader changes every 3 days (a: days 0-2, b: 3-5, c: 6-8, …), at $20M so a
// switch pays its gas and slippage many times over.
const leader = (d: number) => Math.floor(d / 3) % 3;
const rates = {
  a: (d: number) => (leader(d) === 0 ? 9 : 3),
  b: (d: number) => (leader(d) === 1 ? 9 : 3),
  c: (d: number) => (leader(d) === 2 ? 9 : 3.5),
};
const data = scriptedDataset({ days: 100, rates });
const run = (strategies: StrategyName[]) =>
  backtestOver(data, { fromDay: 40, toDay: 90, capitalUsd: 20_000_000, strategies });

describe("backtest reference strategies", function () {
  this.timeout(60_000);

  it("greedy is held to the weight cap and the idle buffer", async () => {
    const r = await run(["greedy"]);
    const cap = r.config.strategy.maxWeightPerSourceBps / 10_000;
    const greedy = r.runs[0]!;
    const max = Math.max(...greedy.allocations.flatMap((a) => Object.values(a.weights)));
    expect(max).to.be.at.most(cap + 1e-3);
    expect(max).to.be.greaterThan(cap - 0.01);
  });

  it("oracle rebalances on the days the best source changes, not once a week", async () => {
    const r = await run(["oracle"]);
    // (On the last day a switch would earn one day's spread, less than its slippage.)
    const switches = Array.from({ length: 50 }, (_v, i) => 40 + i).filter((d) => leader(d) !== leader(d - 1));
    expect(rebalanceDays(r, "oracle")).to.deep.equal([40, ...switches]);
  });

  it("oracle is the upper bound: no strategy earns more under the same caps and costs", async () => {
    const r = await run(["keel", "equal", "greedy", "topk", "static-mvo", "oracle"]);
    const oracle = r.metrics.oracle!.net_apy_pct;
    for (const [name, m] of Object.entries(r.metrics)) expect(m.net_apy_pct, name).to.be.at.most(oracle);
    expect(r.metrics.oracle?.capture).to.equal(1);
  });
});

describe("backtest top-k rule", () => {
  // b leads a by 0.2 points; from day 50 a leads b by 0.2 (inside the hysteresis), from day 60 by 0.8.
  const topData = scriptedDataset({
    days: 80,
    rates: { a: (d) => (d >= 60 ? 6 : d >= 50 ? 5.4 : 5), b: () => 5.2, c: () => 4 },
  });

  it("holds the best sources by current rate, each up to the cap, and switches only past the hysteresis", async () => {
    // (A one-hour window: the rate of this hour alone.)
    const r = await backtestOver(topData, {
      fromDay: 40,
      toDay: 70,
      strategies: ["topk"],
      config: { backtest: { topkHysteresisPct: 0.5, topkWindowHours: 1 } },
    });
    const run = r.runs[0]!;
    expect(run.name).to.equal("topk");
    expect(rebalanceDays(r, "topk")).to.deep.equal([40, 60]);
    const at = (day: number) => run.allocations.find((a) => a.t === T0 + day * DAY)!.weights;
    expect(at(45).b).to.be.closeTo(0.6, 1e-3);
    expect(at(45).a).to.be.closeTo(0.38, 1e-3);
    expect(at(55).b).to.be.closeTo(0.6, 1e-3);
    expect(at(65).a).to.be.closeTo(0.6, 1e-3);
    expect(at(65).b).to.be.closeTo(0.38, 1e-3);
    expect(at(65).c ?? 0).to.equal(0);
  });
});
