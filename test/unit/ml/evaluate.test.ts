import { expect } from "chai";
import type { Dataset, RatePoint } from "../../../src/domain/dataset.ts";
import { createBaseline } from "../../../src/ml/baselines.ts";
import { evaluateForecasters } from "../../../src/ml/evaluate.ts";
import { buildSamples } from "../../../src/ml/samples.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;

function dataset(rate: (day: number) => number, days = 200): Dataset {
  const points: RatePoint[] = Array.from({ length: days * 24 }, (_, h) => ({
    t: T0 + h * 3600,
    aprPct: rate(h / 24),
    tvlUsd: 1e7 + h,
    utilization: 0.7,
  }));
  return {
    pools: [{ poolId: "p", protocol: "aave-v3", kind: "lending", asset: "USDC", chain: "ethereum", feeTierPct: null }],
    rates: new Map([["p", points]]),
    prices: new Map(),
    gas: [],
    incidents: [],
    cleaning: {},
  };
}

describe("walk-forward evaluation", () => {
  it("scores persistence as exact on a constant series and counts one forecast per source and origin", async () => {
    const r = await evaluateForecasters(
      dataset(() => 4),
      [createBaseline("persistence"), createBaseline("mean")],
      {
        start: T0 + 150 * DAY,
        end: T0 + 159 * DAY,
        horizonDays: 7,
      },
    );
    expect(r.origins).to.equal(10);
    expect(r.overall.persistence).to.deep.include({ mae: 0, n: 10, coverage_p10_p90: 1 });
    expect(r.sources.p!.mean!.mae).to.equal(0);
    expect(r.forecasts).to.equal(20);
  });

  it("does not score origins whose horizon runs past the data", async () => {
    const r = await evaluateForecasters(
      dataset(() => 4, 160),
      [createBaseline("persistence")],
      {
        start: T0 + 150 * DAY,
        end: T0 + 159 * DAY,
        horizonDays: 7,
      },
    );
    // Data ends at day 160: a horizon must have a point within 2 days of its end, so origins 150..154 count.
    expect(r.overall.persistence!.n).to.equal(5);
  });

  it("measures error against the realised mean over the horizon, using only data before each origin", async () => {
    // The rate steps from 2 to 6 at day 170: persistence at day 168 forecasts 2, the realised mean is 2·2/7 + 6·5/7.
    const r = await evaluateForecasters(
      dataset((d) => (d < 170 ? 2 : 6)),
      [createBaseline("persistence")],
      {
        start: T0 + 168 * DAY,
        end: T0 + 168 * DAY,
        horizonDays: 7,
      },
    );
    expect(r.overall.persistence!.mae).to.be.closeTo((2 * 2 + 6 * 5) / 7 - 2, 1e-9);
  });
});

describe("training samples", () => {
  it("targets the log change from the rate before the origin to the mean over the horizon", () => {
    const s = buildSamples(
      dataset((d) => (d < 100 ? 2 : 4)),
      {
        window: 5,
        horizonDays: 7,
        from: T0 + 100 * DAY,
        to: T0 + 100 * DAY,
        minHistoryDays: 30,
      },
    );
    expect(s.t).to.deep.equal([T0 + 100 * DAY]);
    expect(s.current[0]).to.equal(2);
    expect(s.y[0]).to.be.closeTo(Math.log1p(4) - Math.log1p(2), 1e-6);
    expect(s.x.length).to.equal(5 * 16);
  });

  it("leaves out origins whose target would reach past the training cut-off", () => {
    const s = buildSamples(
      dataset(() => 3),
      {
        window: 5,
        horizonDays: 7,
        from: T0 + 100 * DAY,
        to: T0 + 110 * DAY,
        targetEnd: T0 + 110 * DAY,
        minHistoryDays: 30,
      },
    );
    expect(Math.max(...s.t) + 7 * DAY).to.be.at.most(T0 + 110 * DAY);
    expect(s.t).to.have.length(4);
  });
});
