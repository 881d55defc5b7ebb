import { expect } from "chai";
import { isForwardFilled } from "../../../src/domain/dataset.ts";
import { featureTable } from "../../../src/ml/features.ts";
import { coveredMean, dailyMeans } from "../../../src/ml/series.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;
const HOUR = 3_600;

/**
 * An hourly series as the live daemon stores it: one point every hour, with long stretches where
 * nothing changed (the same rate, TVL and utilisation hour after hour), and busy hours in between.
 */
function liveHourly(days: number) {
  const out: { t: number; aprPct: number; tvlUsd: number; utilization: number }[] = [];
  let rate = 4;
  let tvl = 1e7;
  for (let h = 0; h < days * 24; h++) {
    // Quiet for the first 20 hours of every day (and for 60 hours around day 50), busy for the last 4.
    const quiet = h % 24 < 20 || (h >= 50 * 24 && h < 52.5 * 24);
    if (!quiet) {
      rate = 4 + Math.sin(h / 17) * 1.5 + (h % 5) * 0.1;
      tvl += 1_000 * (h % 7);
    }
    out.push({ t: T0 + h * HOUR, aprPct: rate, tvlUsd: tvl, utilization: 0.6 });
  }
  return out;
}

/** The same series as the dataset reader leaves it: forward-filled copies dropped. */
function asReaderKeepsIt<P extends { aprPct: number; tvlUsd: number; utilization: number }>(points: P[]): P[] {
  return points.filter((p, i) => i === 0 || !isForwardFilled(points[i - 1]!, p));
}

describe("forward-filled hours: training and serving see the same thing", () => {
  const live = liveHourly(140);
  const dataset = asReaderKeepsIt(live);

  it("the fixture really has forward-filled copies for the reader to drop", () => {
    expect(dataset.length).to.be.lessThan(live.length / 3);
  });

  it("model features are identical whether forward-filled hours are present (live store) or dropped (dataset reader)", () => {
    const src = { kind: "lending", asset: "USDC" };
    for (const day of [60, 90, 130]) {
      const anchor = T0 + day * DAY + 7 * HOUR;
      const a = featureTable(live, [], src, anchor, 28);
      const b = featureTable(dataset, [], src, anchor, 28);
      const diff = Array.from(a.x).map((v, i) => Math.abs(v - b.x[i]!));
      expect(Math.max(...diff), `largest feature difference at day ${day}`).to.be.below(1e-5);
    }
  });

  it("daily means and the realised mean over a horizon are time-weighted, so dropped copies do not move them", () => {
    const asOf = T0 + 100 * DAY;
    const a = dailyMeans(live, asOf, 60);
    const b = dailyMeans(dataset, asOf, 60);
    a.forEach((v, i) => {
      expect(v).to.be.closeTo(b[i]!, 1e-9);
    });
    for (const t of [T0 + 40 * DAY, T0 + 48 * DAY, T0 + 120 * DAY]) {
      const x = coveredMean(live, t, 7 * DAY);
      const y = coveredMean(dataset, t, 7 * DAY);
      expect(x, `realised mean from ${new Date(t * 1000).toISOString()}`).to.be.a("number");
      expect(y).to.be.closeTo(x!, 1e-9);
    }
    // A horizon ending in the 60 quiet hours has no change near its end, whichever way it is stored.
    expect(coveredMean(live, T0 + 45 * DAY, 7 * DAY)).to.equal(undefined);
    expect(coveredMean(dataset, T0 + 45 * DAY, 7 * DAY)).to.equal(undefined);
  });
});
