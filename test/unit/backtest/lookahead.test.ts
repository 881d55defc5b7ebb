import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createHighsSolver } from "../../../src/adapters/highs/highsSolver.ts";
import type { Dataset } from "../../../src/domain/dataset.ts";
import { backtestOver, DAY, T0 } from "../../support/backtest.ts";
import { goldenDataset } from "../../support/goldenFixture.ts";
import { perturbedUnknownAt } from "../../support/lookahead.ts";
import { tinyPolicy, writePolicy } from "../ml/tinyPolicy.ts";

const HOUR = 3_600;

describe("backtest look-ahead", function () {
  this.timeout(120_000);
  // Hourly lending rates and ETH closes, daily USDC closes, gas and Uniswap v2 fee APR.
  const data = goldenDataset();
  // 21:00 on day 71: the day's close, gas and fee APR and the 21:00-22:00 ETH close are not known yet.
  const cutoff = T0 + 71 * DAY + 21 * HOUR;
  const changed = perturbedUnknownAt(data, cutoff);
  const dir = mkdtempSync(join(tmpdir(), "keel-lookahead-"));
  let policyPath = "";
  before(async () => {
    const p = await tinyPolicy(11, "2024-01-01T00:00:00.000Z");
    policyPath = writePolicy(dir, p.onnx, p.meta);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (d: Dataset) =>
    backtestOver(d, {
      fromDay: 70,
      toDay: 72,
      stepSeconds: HOUR,
      capitalUsd: 20_000_000,
      strategies: ["keel", "keel-rl", "equal", "greedy", "topk", "static-mvo"],
      policyPath,
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
    // keel with the learned policy optimizing (served through onnxruntime) too.
    const rlA = a.runs.find((r) => r.name === "keel-rl")!;
    const rlB = b.runs.find((r) => r.name === "keel-rl")!;
    expect(a.keelRl?.policy_fallback).to.equal(undefined);
    expect(upTo(rlA.decisions).filter((r) => r.includes("via policy")).length).to.be.greaterThan(0);
    expect(upTo(rlB.decisions)).to.deep.equal(upTo(rlA.decisions));
    for (const name of ["equal", "greedy", "topk", "static-mvo"]) {
      const wa = a.runs.find((r) => r.name === name)!.allocations.filter((x) => x.t <= cutoff);
      const wb = b.runs.find((r) => r.name === name)!.allocations.filter((x) => x.t <= cutoff);
      expect(wb, name).to.deep.equal(wa);
    }
    // The perturbation is real: later decisions do change.
    const later = (recs: typeof keelA.decisions) =>
      recs.filter((r) => (r.detail.snapshot?.timestamp ?? 0) > cutoff).map((r) => JSON.stringify(r));
    expect(later(keelB.decisions)).to.not.deep.equal(later(keelA.decisions));
    expect(later(rlB.decisions)).to.not.deep.equal(later(rlA.decisions));
  });
});
