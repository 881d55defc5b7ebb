import { expect } from "chai";
import { backtestOver, scriptedDataset } from "../../support/backtest.ts";

describe("backtest keel is the daemon's keeper", () => {
  const data = scriptedDataset({ days: 60, rates: { a: () => 4, b: (d) => 5 + (d % 7) / 10 } });

  it("forecasts with the config's model, falling back to the config's baseline as the daemon does", async () => {
    const r = await backtestOver(data, {
      fromDay: 30,
      toDay: 33,
      config: { model: { path: "/nonexistent/model.onnx", baseline: "mean" } },
    });
    const forecasts = r.runs[0]!.decisions.map((d) => d.detail.forecast);
    expect(forecasts).to.have.length(4);
    for (const f of forecasts) {
      expect(f?.forecaster).to.equal("mean");
      expect(f?.fallbackReason).to.include("/nonexistent/model.onnx");
    }
  });

  it("expects the configured chain id, as the daemon does", async () => {
    const r = await backtestOver(data, { fromDay: 30, toDay: 31, config: { chain: { chainId: 10 } } });
    for (const d of r.runs[0]!.decisions) {
      expect(d.chainId).to.equal(10);
      expect(d.outcome, d.haltReasons.map((r) => r.code).join()).to.not.equal("failed");
      expect(d.haltReasons.map((r) => r.code)).to.not.include("CHAIN_ID_MISMATCH");
    }
  });
});
