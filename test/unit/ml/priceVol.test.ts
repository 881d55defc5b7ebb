import { expect } from "chai";
import { createBaseline } from "../../../src/ml/baselines.ts";
import { priceVolPct } from "../../../src/ml/priceVol.ts";
import { createPredictStage } from "../../../src/pipeline/predict/predict.ts";
import { hourly, observed, predictOptions } from "./helpers.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;
/** Daily prices alternating ±r in log terms: daily log-return std ≈ 2r. */
const zigzag = (r: number) =>
  Array.from({ length: 60 }, (_, d) => ({ t: T0 + d * DAY, priceUsd: 2000 * Math.exp(d % 2 === 0 ? r : -r) }));

describe("price volatility", () => {
  it("annualises the daily log-return volatility of an LP's token0/token1 price (WETH read from ETH)", () => {
    const vol = priceVolPct({ kind: "lp", asset: "WETH/USDT" }, "USDC", { ETH: zigzag(0.01) }, T0 + 59 * DAY)!;
    // Returns alternate ±0.02: sample std ≈ 0.02 × sqrt(n/(n−1)).
    expect(vol).to.be.closeTo(0.02 * Math.sqrt(30 / 29) * Math.sqrt(365) * 100, 1e-6);
  });

  it("is undefined without price exposure or without prices", () => {
    expect(priceVolPct({ kind: "lending", asset: "USDC" }, "USDC", {}, T0)).to.equal(undefined);
    expect(priceVolPct({ kind: "lp", asset: "USDC/USDT" }, "USDC", {}, T0)).to.equal(undefined);
    expect(priceVolPct({ kind: "lp", asset: "UNI/WETH" }, "USDC", { ETH: zigzag(0.01) }, T0 + 59 * DAY)).to.equal(
      undefined,
    );
  });

  it("prices a non-base lending asset against the base asset", () => {
    const vol = priceVolPct({ kind: "lending", asset: "WETH" }, "USDC", { WETH: zigzag(0.005) }, T0 + 59 * DAY)!;
    expect(vol).to.be.greaterThan(10);
  });

  it("the predict stage attaches it to the forecasts of sources with price exposure", async () => {
    const input = observed(T0 + 59 * DAY, { a: hourly(T0, 24 * 59, () => 3) });
    const lp = { ...input.snapshot.sources[0]!, kind: "lp" as const, asset: "WETH/USDT" };
    const obs = {
      snapshot: { ...input.snapshot, sources: [lp] },
      history: { ...input.history, prices: { ETH: zigzag(0.01) } },
    };
    const stage = createPredictStage(predictOptions(7), { model: undefined, baseline: createBaseline("mean") });
    const r = await stage.run(obs, new AbortController().signal);
    if (r.status !== "ok") throw new Error("expected ok");
    expect(r.value.sources.a!.priceVolPct).to.be.greaterThan(30);
  });
});
