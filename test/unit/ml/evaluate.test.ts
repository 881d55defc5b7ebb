import { expect } from "chai";
import type { Dataset, RatePoint } from "../../../src/domain/dataset.ts";
import { createBaseline } from "../../../src/ml/baselines.ts";
import { evaluateForecasters } from "../../../src/ml/evaluate.ts";
import { evaluationReport } from "../../../src/ml/evaluationReport.ts";
import { buildSamples } from "../../../src/ml/samples.ts";
import { scheduled } from "../../../src/ml/schedule.ts";
import type { Forecaster } from "../../../src/ports/forecaster.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;
const BOOT = { blockDays: 7, replicates: 200, seed: 1 };

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

/** A forecaster that says `p50` with a ±1 band, trained before `trainedBefore`. */
function constant(name: string, p50: number, trainedBefore?: number): Forecaster {
  return {
    name,
    hash: name,
    ...(trainedBefore === undefined ? {} : { trainedBefore }),
    async forecast(i) {
      return Object.fromEntries(
        i.snapshot.sources.map((s) => [s.id, { sourceId: s.id, p10: p50 - 1, p50, p90: p50 + 1 }]),
      );
    },
  };
}

describe("walk-forward evaluation", () => {
  it("scores persistence as exact on a constant series, one forecast per source and origin", async () => {
    const rows = await evaluateForecasters(
      dataset(() => 4),
      [createBaseline("persistence"), createBaseline("mean")],
      {
        start: T0 + 150 * DAY,
        end: T0 + 159 * DAY,
        horizonDays: 7,
      },
    );
    expect(rows.origins).to.have.length(10);
    const r = evaluationReport(rows, BOOT);
    expect(r.overall.persistence).to.deep.include({ mae: 0, n: 10, below_p10: 0, above_p90: 0 });
    expect(r.sources.p!.forecasters.mean!.mae).to.equal(0);
    expect(r.kinds.lending!.persistence!.window).to.deep.equal(["2024-05-30", "2024-06-08"]);
  });

  it("does not score origins whose horizon runs past the data", async () => {
    const rows = await evaluateForecasters(
      dataset(() => 4, 160),
      [createBaseline("persistence")],
      {
        start: T0 + 150 * DAY,
        end: T0 + 159 * DAY,
        horizonDays: 7,
      },
    );
    // Data ends at day 160: a horizon must have a point within 2 days of its end, so origins 150..154 count.
    expect(rows.rows.persistence).to.have.length(5);
  });

  it("measures error against the realised time-weighted mean over the horizon, using only data before each origin", async () => {
    // The rate steps from 2 to 6 at day 170: persistence at day 168 forecasts 2, the realised mean is 2·2/7 + 6·5/7.
    const rows = await evaluateForecasters(
      dataset((d) => (d < 170 ? 2 : 6)),
      [createBaseline("persistence")],
      {
        start: T0 + 168 * DAY,
        end: T0 + 168 * DAY,
        horizonDays: 7,
      },
    );
    expect(rows.rows.persistence![0]!.actual - rows.rows.persistence![0]!.p50).to.be.closeTo(
      (2 * 2 + 6 * 5) / 7 - 2,
      1e-9,
    );
  });

  it("gives each forecaster's MAE ratio to persistence with a bootstrap interval, and counts the sources it beats", async () => {
    const rows = await evaluateForecasters(
      dataset(() => 4),
      [createBaseline("persistence"), constant("off", 5)],
      {
        start: T0 + 120 * DAY,
        end: T0 + 159 * DAY,
        horizonDays: 7,
      },
    );
    const r = evaluationReport(rows, BOOT);
    // Persistence is exact: the ratio is undefined (0/0), not a number.
    expect(r.overall.off!.mae).to.equal(1);
    expect(r.overall.off!.mae_ratio).to.equal(null);
    expect(r.kinds.lending!.off!.better_sources).to.equal("0/1");
  });

  it("forecasts each origin with the newest model trained before it (walk-forward schedule)", async () => {
    const early = constant("early", 3, T0 + 130 * DAY);
    const late = constant("late", 5, T0 + 140 * DAY);
    const rows = await evaluateForecasters(
      dataset(() => 4),
      [scheduled("model", [late, early])],
      {
        start: T0 + 125 * DAY,
        end: T0 + 149 * DAY,
        horizonDays: 7,
      },
    );
    const byDay = rows.rows.model!.map((x) => [rows.origins[x.k]! - T0, x.p50]);
    expect(byDay[0]).to.deep.equal([130 * DAY, 3]);
    expect(byDay.find(([t]) => t === 139 * DAY)?.[1]).to.equal(3);
    expect(byDay.find(([t]) => t === 140 * DAY)?.[1]).to.equal(5);
    // Nothing before the first cut-off.
    expect(rows.rows.model!.every((x) => rows.origins[x.k]! >= T0 + 130 * DAY)).to.equal(true);
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
