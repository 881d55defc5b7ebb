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
