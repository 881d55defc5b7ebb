import { expect } from "chai";
import fc from "fast-check";
import { FEATURES, featureTable } from "../../../src/ml/features.ts";
import { fitScaler } from "../../../src/ml/scaler.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;
const F = FEATURES.length;
const src = { kind: "lp", asset: "WETH/USDT" };

function series(days: number, seed: number) {
  const points = [];
  for (let h = 0; h < days * 24; h += 1 + ((h * seed) % 3)) {
    points.push({
      t: T0 + h * 3600,
      aprPct: 5 + Math.sin(h / (20 + seed)) * 2,
      tvlUsd: 1e6 + h * seed,
      utilization: 0.5,
    });
  }
  const prices = Array.from({ length: days * 24 }, (_, h) => ({
    t: T0 + h * 3600,
    priceUsd: 2000 + 50 * Math.sin(h / 9),
  }));
  return { points, prices };
}

describe("features", () => {
  it("a feature at t never changes when data at or after t changes (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 70, max: 100 }),
        fc.double({ min: -50, max: 50 }),
        (seed, day, shift) => {
          const { points, prices } = series(120, seed);
          const t = T0 + day * DAY;
          const before = featureTable(points, prices, src, t, 10);
          // Rewrite everything at or after t: rates, TVL, utilisation and prices.
          const changed = points.map((p) =>
            p.t >= t ? { ...p, aprPct: p.aprPct + shift + 100, tvlUsd: 1, utilization: 0.01 } : p,
          );
          const changedPrices = prices.map((p) => (p.t >= t ? { ...p, priceUsd: p.priceUsd * 3 } : p));
          const after = featureTable(changed, changedPrices, src, t, 10);
          expect(Array.from(after.x)).to.deep.equal(Array.from(before.x));
          expect(Array.from(after.current)).to.deep.equal(Array.from(before.current));
        },
      ),
      { numRuns: 25 },
    );
  });

  it("a table anchored at t gives the same rows as a longer table ending at t (serving = training)", () => {
    const { points, prices } = series(200, 4);
    const t = T0 + 180 * DAY;
    const short = featureTable(points, prices, src, t, 7);
    const long = featureTable(points, prices, src, t, 60);
    expect(Array.from(short.x)).to.deep.equal(Array.from(long.x.subarray((60 - 7) * F)));
  });

  it("produces finite values, including for a source with no utilisation or price data", () => {
    const points = Array.from({ length: 90 }, (_, d) => ({ t: T0 + d * DAY, aprPct: 10 + (d % 7), tvlUsd: 5e6 }));
    const { x } = featureTable(points, [], { kind: "lending", asset: "USDC" }, T0 + 80 * DAY, 28);
    expect(x.length).to.equal(28 * F);
    expect(Array.from(x).every(Number.isFinite)).to.equal(true);
    expect(x[27 * F + FEATURES.indexOf("has_utilization")]).to.equal(0);
  });

  it("the current rate is the last observation strictly before the step", () => {
    const points = [
      { t: T0, aprPct: 1 },
      { t: T0 + DAY - 1, aprPct: 2 },
      { t: T0 + DAY, aprPct: 3 },
    ];
    expect(featureTable(points, [], src, T0 + DAY, 1).current[0]).to.equal(2);
  });
});

describe("scaler", () => {
  it("is fit on the training rows only: validation rows do not move it", () => {
    const W = 2;
    const n = 6;
    const x = Float32Array.from({ length: n * W * F }, (_, i) => (i % F) + Math.floor(i / (W * F)));
    const y = Float32Array.from({ length: n }, (_, i) => i);
    const train = [0, 1, 2, 3];
    const a = fitScaler(x, y, F, W, train);
    const x2 = x.slice();
    const y2 = y.slice();
    x2.fill(1e6, 4 * W * F); // validation samples 4 and 5 become wild
    y2[4] = -1e6;
    y2[5] = 1e6;
    expect(fitScaler(x2, y2, F, W, train)).to.deep.equal(a);
    expect(a.targetMean).to.equal(1.5);
    expect(a.featureMean[0]).to.equal(1.5);
  });

  it("gives a constant feature std 1 instead of dividing by zero", () => {
    const x = new Float32Array(3 * F).fill(2);
    const s = fitScaler(x, new Float32Array(3), F, 1, [0, 1, 2]);
    expect(s.featureStd.every((v) => v === 1)).to.equal(true);
    expect(s.targetStd).to.equal(1);
  });
});
