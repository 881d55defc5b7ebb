import { expect } from "chai";
import { createHighsSolver } from "../../../src/adapters/highs/highsSolver.ts";
import { syntheticDataset } from "../../../src/backtest/synthetic.ts";
import type { Dataset } from "../../../src/domain/dataset.ts";
import { backtestOver, DAY, T0 } from "../../support/backtest.ts";

/** A copy of the dataset with every observation after `cutoff` wildly changed, and an incident added. */
function perturbedAfter(data: Dataset, cutoff: number): Dataset {
  const after = (t: number) => t > cutoff;
  return {
    ...data,
    rates: new Map(
      [...data.rates].map(([id, pts]) => [
        id,
        pts.map((p) => (after(p.t) ? { ...p, aprPct: p.aprPct * 3 + 5, tvlUsd: p.tvlUsd / 10, utilization: 0.99 } : p)),
      ]),
    ),
    prices: new Map(
      [...data.prices].map(([s, pts]) => [s, pts.map((p) => (after(p.t) ? { ...p, priceUsd: p.priceUsd * 0.8 } : p))]),
    ),
    gas: data.gas.map((g) => (after(g.t) ? { ...g, gwei: g.gwei * 100 } : g)),
    incidents: [
      ...data.incidents,
      { t: cutoff + DAY, protocol: "proto-1", chain: "Ethereum", lossUsd: 1e9, technique: "Protocol Logic" },
    ],
  };
}

describe("backtest look-ahead", function () {
  this.timeout(60_000);
  const data = syntheticDataset({ sources: 3, start: T0, days: 160, rateStepSeconds: 6 * 3_600, seed: 11 });
  const cutoff = T0 + 115 * DAY + 3_600;
  const changed = perturbedAfter(data, cutoff);
  const run = (d: Dataset) =>
    backtestOver(d, {
      fromDay: 100,
      toDay: 140,
      strategies: ["keel", "equal", "greedy", "static-mvo"],
      solver: createHighsSolver(),
      config: { forecaster: "ema", lookbackDays: 90 },
    });

  it("never changes a decision at or before t when data after t changes", async () => {
    const [a, b] = [await run(data), await run(changed)];
    const keelA = a.runs.find((r) => r.name === "keel")!;
    const keelB = b.runs.find((r) => r.name === "keel")!;
    const upTo = (recs: typeof keelA.decisions) =>
      recs.filter((r) => (r.detail.snapshot?.timestamp ?? 0) <= cutoff).map((r) => JSON.stringify(r));
    expect(upTo(keelA.decisions)).to.have.length(16);
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
