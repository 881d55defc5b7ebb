import { expect } from "chai";
import { createBaseline, forecastSeries, pointMethod } from "../../../src/ml/baselines.ts";
import { hourly, observed } from "./helpers.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const noisy = (h: number) => 4 + Math.sin(h / 37) + 0.3 * Math.sin(h * 1.7);

describe("baseline forecasters", () => {
  for (const name of ["persistence", "mean", "ema", "arima"] as const) {
    it(`${name}: gives ordered, non-negative P10 ≤ P50 ≤ P90 for every source with history`, async () => {
      const hist = { a: hourly(T0, 24 * 120, noisy), b: hourly(T0, 24 * 120, (h) => 10 + noisy(h)) };
      const out = await createBaseline(name).forecast({ ...observed(T0 + 24 * 120 * 3600, hist), horizonDays: 7 });
      expect(Object.keys(out)).to.deep.equal(["a", "b"]);
      for (const f of Object.values(out)) {
        expect(f.p10).to.be.at.most(f.p50);
        expect(f.p50).to.be.at.most(f.p90);
        expect(f.p10).to.be.at.least(0);
        expect(Number.isFinite(f.p90)).to.equal(true);
      }
    });
  }

  it("persistence forecasts the current rate", async () => {
    const hist = { a: hourly(T0, 24 * 60, (h) => 2 + h / 1000) };
    const out = await createBaseline("persistence").forecast({
      ...observed(T0 + 24 * 60 * 3600, hist),
      horizonDays: 7,
    });
    expect(out.a!.p50).to.be.closeTo(2 + (24 * 60 - 1) / 1000, 1e-12);
  });

  it("mean forecasts the trailing mean and is exact with zero spread on a constant series", () => {
    const q = forecastSeries(
      hourly(T0, 24 * 60, () => 5),
      T0 + 24 * 60 * 3600,
      7,
      pointMethod("mean"),
    );
    expect(q).to.deep.equal({ p10: 5, p50: 5, p90: 5 });
  });

  it("widens P10-P90 when the series is noisier", () => {
    const at = T0 + 24 * 120 * 3600;
    const calm = forecastSeries(
      hourly(T0, 24 * 120, (h) => 4 + 0.1 * Math.sin(h / 24)),
      at,
      7,
      pointMethod("ema"),
    )!;
    const wild = forecastSeries(
      hourly(T0, 24 * 120, (h) => 4 + 2 * Math.sin(h / 24)),
      at,
      7,
      pointMethod("ema"),
    )!;
    expect(wild.p90 - wild.p10).to.be.greaterThan(calm.p90 - calm.p10);
  });

  it("forecasts the snapshot's current rate for a source with no history yet", async () => {
    const input = observed(T0, { a: [] });
    const snapshot = { ...input.snapshot, sources: [{ ...input.snapshot.sources[0]!, aprPct: 2.5 }] };
    const out = await createBaseline("ema").forecast({ ...input, snapshot, horizonDays: 7 });
    expect(out.a).to.deep.include({ p50: 2.5 });
    expect(out.a!.p10).to.be.at.most(2.5);
  });
});
