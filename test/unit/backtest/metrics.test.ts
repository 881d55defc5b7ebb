import { expect } from "chai";
import { METRIC_KEYS, strategyMetrics } from "../../../src/backtest/metrics.ts";
import { backtestOver, scriptedDataset } from "../../support/backtest.ts";

describe("backtest risk-adjusted metrics", () => {
  it("prints no Sharpe or Sortino ratio: on a lending book's near-constant daily returns they measure smoothness, not risk", async () => {
    // A stablecoin lending book: 4-6 % APR, no price moves.
    const data = scriptedDataset({ days: 120, rates: { a: (d) => 4 + (d % 5) / 10, b: (d) => 5 + (d % 3) / 10 } });
    const r = await backtestOver(data, { fromDay: 30, toDay: 110, strategies: ["equal"] });
    const m = strategyMetrics(r.runs[0]!, data, { horizonDays: 7 }) as unknown as Record<string, unknown>;
    expect(m).to.not.have.any.keys("sharpe", "sortino");
    expect(METRIC_KEYS as readonly string[]).to.not.include.members(["sharpe"]);
    expect(METRIC_KEYS as readonly string[]).to.not.include.members(["sortino"]);
  });
});

describe("backtest net APY", () => {
  it("compounds from the capital before the first decision: investing it costs what its first moves cost", async () => {
    // One source at a flat 5 %, no price moves: net value is the capital, less the first deposit's slippage and
    // gas, plus 5 % a year on what was invested.
    const data = scriptedDataset({ days: 80, rates: { a: () => 5 } });
    const r = await backtestOver(data, { fromDay: 10, toDay: 70, capitalUsd: 10_000_000, strategies: ["equal"] });
    const run = r.runs[0]!;
    const last = run.equity.at(-1)!;
    const years = (last.t - run.equity[0]!.t) / (365 * 86_400);
    const fromCapital = 100 * ((last.value / 10_000_000) ** (1 / years) - 1);
    const first = run.rebalances[0]!;
    expect(first.slippageUsd + first.gasUsd).to.be.greaterThan(500);
    expect(strategyMetrics(run, data, { horizonDays: 7 }).net_apy_pct).to.be.closeTo(fromCapital, 1e-4);
    expect(run.initial.value).to.equal(10_000_000);
  });
});
