import { expect } from "chai";
import { createHighsSolver } from "../../../src/adapters/highs/highsSolver.ts";
import type { Dataset } from "../../../src/domain/dataset.ts";
import { backtestOver, DAY, T0 } from "../../support/backtest.ts";
import { goldenDataset } from "../../support/goldenFixture.ts";

const HOUR = 3_600;

/**
 * A copy of the dataset where every value not yet known at `cutoff` is wildly changed, and an incident
 * added after it. Lending rates are snapshots (known at their stamp); prices, gas and LP fee APR are bars
 * stamped at the start of their period (an hour when rows are an hour apart, else a day), known only once it
 * ends — so the bars that contain `cutoff` change too.
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
      [...data.rates].map(([id, pts]) => {
        const bars = data.pools.find((p) => p.poolId === id)?.kind === "lp";
        const unknown = (i: number) => (bars ? unknownBar(pts, i) : pts[i]!.t > cutoff);
        return [
          id,
          pts.map((p, i) =>
            unknown(i) ? { ...p, aprPct: p.aprPct * 3 + 5, tvlUsd: p.tvlUsd / 10, utilization: bars ? null : 0.99 } : p,
          ),
        ];
      }),
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
      { t: cutoff + HOUR, protocol: "Aave", chain: "Ethereum", lossUsd: 1e9, technique: "Protocol Logic" },
    ],
  };
}

describe("backtest look-ahead", function () {
  this.timeout(120_000);
  // Hourly lending rates and ETH closes, daily USDC closes, gas and Uniswap v2 fee APR.
  const data = goldenDataset();
  // 21:00 on day 71: the day's close, gas and fee APR and the 21:00-22:00 ETH close are not known yet.
  const cutoff = T0 + 71 * DAY + 21 * HOUR;
  const changed = perturbedUnknownAt(data, cutoff);
  const run = (d: Dataset) =>
    backtestOver(d, {
      fromDay: 70,
      toDay: 72,
      stepSeconds: HOUR,
      capitalUsd: 20_000_000,
      strategies: ["keel", "equal", "greedy", "topk", "static-mvo"],
      solver: createHighsSolver(),
      config: { model: { baseline: "ema" }, state: { historyDays: 60 } },
    });

  it("never changes a decision at or before t when data not known at t changes, inside the current bar too", async () => {
    const [a, b] = [await run(data), await run(changed)];
    const keelA = a.runs.find((r) => r.name === "keel")!;
    const keelB = b.runs.find((r) => r.name === "keel")!;
    const upTo = (recs: typeof keelA.decisions) =>
      recs.filter((r) => (r.detail.snapshot?.timestamp ?? 0) <= cutoff).map((r) => JSON.stringify(r));
    expect(upTo(keelA.decisions)).to.have.length(24 + 22);
    expect(upTo(keelB.decisions)).to.deep.equal(upTo(keelA.decisions));
    for (const name of ["equal", "greedy", "topk", "static-mvo"]) {
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
