import { expect } from "chai";
import { arimaMeanForecast, fitArima111 } from "../../../src/ml/arima.ts";

describe("ARIMA(1,1,1) baseline", () => {
  it("continues a steady trend", () => {
    const ts = Array.from({ length: 60 }, (_, i) => 2 + 0.1 * i + 0.01 * Math.sin(i));
    const m = arimaMeanForecast(ts, 7)!;
    expect(m).to.be.greaterThan(ts[ts.length - 1]!);
    expect(m).to.be.lessThan(ts[ts.length - 1]! + 0.8);
  });

  it("pulls back towards the recent level after an isolated jump (noise is smoothed, not extrapolated)", () => {
    const ts = Array.from({ length: 60 }, (_, i) => 5 + (i % 2 === 0 ? 0.5 : -0.5));
    ts.push(8);
    const m = arimaMeanForecast(ts, 7)!;
    expect(m).to.be.lessThan(8);
  });

  it("declines to forecast from too short a series, and is finite on a constant one", () => {
    expect(arimaMeanForecast([1, 2, 3], 7)).to.equal(undefined);
    expect(arimaMeanForecast(new Array(40).fill(3), 7)).to.equal(3);
  });

  it("recovers the moving-average coefficient of a simulated IMA(1,1) series", () => {
    let seed = 3;
    const noise = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647 - 0.5;
    };
    const ts = [10];
    let prevE = 0;
    for (let i = 0; i < 400; i++) {
      const e = noise();
      ts.push(ts[ts.length - 1]! + e - 0.6 * prevE);
      prevE = e;
    }
    const d = ts.slice(1).map((v, i) => v - ts[i]!);
    expect(fitArima111(d).theta).to.be.closeTo(-0.6, 0.15);
  });
});
