import { expect } from "chai";
import { createBaseline } from "../../../src/ml/baselines.ts";
import type { Forecaster } from "../../../src/ports/forecaster.ts";
import { backtestOver, DAY, scriptedDataset, T0 } from "../../support/backtest.ts";

describe("backtest engine", () => {
  const data = scriptedDataset({ days: 60, rates: { a: () => 4, b: (d) => 5 + (d % 7) / 10 } });

  it("journals a failing tick as failed and carries on with the next one", async () => {
    const inner = createBaseline("persistence");
    const flaky: Forecaster = {
      name: "flaky",
      hash: "flaky",
      forecast: async (input) => {
        if (input.snapshot.timestamp === T0 + 33 * DAY) throw new Error("forecaster down");
        return inner.forecast(input);
      },
    };
    const r = await backtestOver(data, { fromDay: 30, toDay: 40, baseline: flaky });
    expect(r.keel?.ticks).to.equal(11);
    expect(r.keel?.failed).to.equal(1);
    expect(r.runs[0]?.decisions[3]?.outcome).to.equal("failed");
    expect(r.runs[0]?.equity).to.have.length(12);
  });

  it("records one decision per step and an equity point per step plus the end", async () => {
    const r = await backtestOver(data, { fromDay: 30, toDay: 44, strategies: ["keel", "equal"] });
    for (const run of r.runs) expect(run.equity).to.have.length(16);
    expect(r.runs[0]?.decisions.map((d) => d.trigger)).to.satisfy((t: string[]) => t.every((x) => x === "backtest"));
    expect(r.metrics.keel?.net_apy_pct).to.be.greaterThan(0);
  });
});

describe("backtest data that ends", () => {
  const base = scriptedDataset({ days: 60, rates: { a: () => 4, b: (d) => 5 + (d % 7) / 10 } });
  const cut = T0 + 35 * DAY;

  it("fails loudly when the gas series ends before the backtest does, instead of assuming a gas price", async () => {
    const data = { ...base, gas: base.gas.filter((g) => g.t < cut) };
    const err = await backtestOver(data, { fromDay: 30, toDay: 44, strategies: ["equal"] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, "the backtest must not complete").to.be.instanceOf(Error);
    expect((err as { code?: string }).code).to.equal("DATASET_ENDED");
    expect((err as Error).message).to.match(/gas/);
  });

  it("fails loudly when the ETH price series ends, instead of assuming an ETH price", async () => {
    const prices = new Map(base.prices);
    prices.set(
      "ETH",
      (base.prices.get("ETH") ?? []).filter((p) => p.t < cut),
    );
    const err = await backtestOver({ ...base, prices }, { fromDay: 30, toDay: 44, strategies: ["equal"] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, "the backtest must not complete").to.be.instanceOf(Error);
    expect((err as { code?: string }).code).to.equal("DATASET_ENDED");
    expect((err as Error).message).to.match(/ETH/);
  });
});
