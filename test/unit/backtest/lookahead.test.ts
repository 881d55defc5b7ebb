import { expect } from "chai";
import { createHighsSolver } from "../../../src/adapters/highs/highsSolver.ts";
import { syntheticDataset } from "../../../src/backtest/synthetic.ts";
import type { Dataset } from "../../../src/domain/dataset.ts";
import { backtestOver, DAY, T0 } from "../../support/backtest.ts";

const HOUR = 3_600;

/** The dataset with hourly ETH closes (start-of-hour stamps) instead of daily ones. */
function withHourlyEth(data: Dataset): Dataset {
  const daily = data.prices.get("ETH") ?? [];
  const hourly = daily.flatMap((p, i) =>
    Array.from({ length: 24 }, (_v, h) => ({ t: p.t + h * HOUR, priceUsd: p.priceUsd * (1 + 0.001 * ((i + h) % 5)) })),
  );
  return { ...data, prices: new Map([...data.prices, ["ETH", hourly]]) };
}

/**
 * A copy of the dataset where every value not yet known at `cutoff` is wildly changed, and an incident
 * added after it. Lending rates are snapshots (known at their stamp); prices and gas are bars stamped at the
 * start of their period (an hour when rows are an hour apart, else a day), known only once it ends — so the
 * bars that contain `cutoff` change too.
 */
function perturbedUnknownAt(data: Dataset, cutoff: number): Dataset {
  const barEnd = (series: readonly { t: number }[], i: number) => {
    const t = series[i]!.t;
    const near = [series[i - 1]?.t, series[i + 1]?.t].filter((x): x is number => x !== undefined);
    return t + (near.some((x) => Math.abs(x - t) <= HOUR) ? HOUR : DAY);
  };
  const unknownBar = (series: readonly { t: number }[], i: number) => barEnd(series, i) > cutoff;
  return {
    ...data,
    rates: new Map(
      [...data.rates].map(([id, pts]) => [
        id,
        pts.map((p) =>
          p.t > cutoff ? { ...p, aprPct: p.aprPct * 3 + 5, tvlUsd: p.tvlUsd / 10, utilization: 0.99 } : p,
        ),
      ]),
    ),
    prices: new Map(
      [...data.prices].map(([s, pts]) => [
        s,
        pts.map((p, i) => (unknownBar(pts, i) ? { ...p, priceUsd: p.priceUsd * (s === "ETH" ? 50 : 0.8) } : p)),
      ]),
    ),
    gas: data.gas.map((g, i) => (unknownBar(data.gas, i) ? { ...g, gwei: g.gwei * 100 } : g)),
    incidents: [
      ...data.incidents,
      { t: cutoff + HOUR, protocol: "aave-v3", chain: "Ethereum", lossUsd: 1e9, technique: "Protocol Logic" },
    ],
  };
}

describe("backtest look-ahead", function () {
  this.timeout(120_000);
  const data = withHourlyEth(
    syntheticDataset({ sources: 3, start: T0, days: 110, rateStepSeconds: HOUR, seed: 11, assets: ["USDC"] }),
  );
  // 21:00 on day 101: the day's close, the day's gas and the 21:00-22:00 ETH close are not known yet.
  const cutoff = T0 + 101 * DAY + 21 * HOUR;
  const changed = perturbedUnknownAt(data, cutoff);
  const run = (d: Dataset) =>
    backtestOver(d, {
      fromDay: 100,
      toDay: 102,
      stepSeconds: HOUR,
      capitalUsd: 20_000_000,
      strategies: ["keel", "equal", "greedy", "static-mvo"],
      solver: createHighsSolver(),
      config: { model: { baseline: "ema" }, state: { historyDays: 90 } },
    });

  it("never changes a decision at or before t when data not known at t changes, inside the current bar too", async () => {
    const [a, b] = [await run(data), await run(changed)];
    const keelA = a.runs.find((r) => r.name === "keel")!;
    const keelB = b.runs.find((r) => r.name === "keel")!;
    const upTo = (recs: typeof keelA.decisions) =>
      recs.filter((r) => (r.detail.snapshot?.timestamp ?? 0) <= cutoff).map((r) => JSON.stringify(r));
    expect(upTo(keelA.decisions)).to.have.length(24 + 22);
    expect(upTo(keelB.decisions)).to.deep.equal(upTo(keelA.decisions));
    for (const name of ["equal", "greedy", "static-mvo"]) {
      const wa = a.runs.find((r) => r.name === name)!.allocations.filter((x) => x.t <= cutoff);
      const wb = b.runs.find((r) => r.name === name)!.allocations.filter((x) => x.t <= cutoff);
      expect(wb, name).to.deep.equal(wa);
    }
    // The perturbation is real: later decisions do change.
    const later = (recs: typeof keelA.decisions) =>
      recs.filter((r) => (r.detail.snapshot?.timestamp ?? 0) > cutoff).map((r) => JSON.stringify(r));
    expect(later(keelB.decisions)).to.not.deep.equal(later(keelA.decisions));
  });
});
