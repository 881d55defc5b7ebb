// The gas check acts on the calibrated P10: predict widens a band that realised outcomes keep leaving,
// the optimizer prices the plan's pessimistic gain from the band predict serves, and the gas check
// weighs that gain against gas — so a move that only paid on the uncalibrated band is not made.
import { expect } from "chai";
import type { Forecast, Plan, SourceForecast } from "../../../src/domain/decision.ts";
import { createGasCheckStage } from "../../../src/pipeline/gasCheck/gasCheck.ts";
import { createOptimizeStage } from "../../../src/pipeline/optimize/optimize.ts";
import { createPredictStage } from "../../../src/pipeline/predict/predict.ts";
import type { Forecaster } from "../../../src/ports/forecaster.ts";
import { optimizeInput, optimizeOptions, snapshot, source, verdict } from "../../support/optimizeFixtures.ts";
import { hourly, observed, predictOptions } from "../ml/helpers.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;
const signal = new AbortController().signal;

/** Says 3 % for a and 6 % for b with a ±0.1 band. */
const narrow: Forecaster = {
  name: "model",
  hash: "m",
  async forecast(i) {
    const out: Record<string, SourceForecast> = {};
    for (const s of i.snapshot.sources) {
      const v = s.id === "a" ? 3 : 6;
      out[s.id] = { sourceId: s.id, p10: v - 0.1, p50: v, p90: v + 0.1 };
    }
    return out;
  },
};

async function servedForecast(): Promise<Forecast> {
  // a is steady at 3 %; b averages 6 % but swings between 2 % and 10 % from one day to the next.
  const history = {
    a: hourly(T0, 24 * 40, () => 3),
    b: hourly(T0, 24 * 40, (h) => (Math.floor(h / 24) % 2 === 0 ? 2 : 10)),
  };
  const stage = createPredictStage(predictOptions(1, { calibration: { minScored: 5 } }), {
    model: narrow,
    baseline: narrow,
  });
  let last: Forecast | undefined;
  for (let day = 5; day <= 25; day++) {
    const at = T0 + day * DAY;
    const cut = { a: history.a.filter((p) => p.t <= at), b: history.b.filter((p) => p.t <= at) };
    const r = await stage.run(observed(at, cut), signal);
    if (r.status !== "ok") throw new Error("expected a forecast");
    last = r.value;
  }
  return last!;
}

describe("gas check on the calibrated P10", () => {
  it("prices the plan on the band predict serves, and skips a move that only paid on the uncalibrated P10", async () => {
    const served = await servedForecast();
    const b = served.sources.b!;
    expect(b.uncalibrated, "calibration moved b's band").to.deep.equal({ p10: 5.9, p90: 6.1 });
    expect(b.p10).to.be.below(3);
    const raw: Forecast = {
      ...served,
      sources: Object.fromEntries(Object.entries(served.sources).map(([id, f]) => [id, { ...f, ...f.uncalibrated }])),
    };

    const s = snapshot([source("a", 3, 1_000_000), source("b", 6, 0)], 20_000);
    const optimize = createOptimizeStage(optimizeOptions({ objective: "greedy" }));
    const plan = async (f: Forecast): Promise<Plan> => {
      const r = await optimize.run(optimizeInput(s, f, verdict(["a", "b"], 0.6)), signal);
      if (r.status !== "ok") throw new Error(r.summary);
      return r.value;
    };
    const onCalibrated = await plan(served);
    const onRaw = await plan(raw);
    expect(onCalibrated.gainP10Usd).to.be.below(onRaw.gainP10Usd);

    // Gas priced between the two pessimistic gains: the move pays only on the uncalibrated band.
    const gasUsd = (onCalibrated.gainP10Usd + onRaw.gainP10Usd) / 2;
    expect(gasUsd).to.be.greaterThan(0);
    const gasUnits = 300_000n;
    const feeWei = BigInt(Math.round((gasUsd / 2_000 / 300_000) * 1e18));
    const gas = createGasCheckStage(
      { minGainToCostRatio: 1, maxGasPriceGwei: 1e6, cooldownSeconds: 0, maxRebalancesPerDay: 10 },
      { estimator: { estimateGas: async () => gasUnits }, rebalanceTimes: async () => [] },
    );
    const at = { ...s, baseFeesWei: [feeWei - 1_000_000_000n], priorityFeeWei: 1_000_000_000n };
    const onServed = await gas.run({ snapshot: at, plan: onCalibrated }, signal);
    expect(onServed.status).to.equal("halt");
    expect(onServed.status === "halt" && onServed.reasons.map((r) => r.code)).to.deep.equal(["GAIN_BELOW_COST"]);
    expect((await gas.run({ snapshot: at, plan: onRaw }, signal)).status).to.equal("ok");
  });
});
