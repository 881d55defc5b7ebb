import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import pino from "pino";
import { readDataset } from "../../../src/adapters/dataset/reader.ts";
import { createHighsSolver } from "../../../src/adapters/highs/highsSolver.ts";
import { selectSources } from "../../../src/backtest/config.ts";
import type { BacktestOptions } from "../../../src/backtest/engine.ts";
import { runBacktestParallel } from "../../../src/backtest/parallel.ts";
import { type BacktestResult, runBacktest } from "../../../src/backtest/run.ts";
import { parseConfig } from "../../../src/config/load.ts";
import { buildForecasters } from "../../../src/runtime/forecasters.ts";
import { DAY, T0 } from "../../support/backtest.ts";
import { datasetCsv, GOLDEN_DIR, goldenDataset } from "../../support/goldenFixture.ts";

const MODEL = {
  path: "/nonexistent/keel-golden/model.onnx",
  linearPath: "/nonexistent/keel-golden/linear.json",
  baseline: "mean",
} as const;

/** The result with the optimizer's method named the same way on both paths (the one thing allowed to differ). */
function comparable(r: BacktestResult): unknown {
  return JSON.parse(
    JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)).replaceAll(
      "via closed-form-cvar",
      "via highs-cvar",
    ),
  );
}

describe("backtest fast path (golden comparison)", function () {
  this.timeout(180_000);

  it("replays the committed fixture, which is what test/support/goldenFixture.ts generates", () => {
    for (const [name, text] of Object.entries(datasetCsv(goldenDataset())))
      expect(readFileSync(join(GOLDEN_DIR, name), "utf8"), name).to.equal(text);
  });

  for (const [label, sources] of [
    ["one source (closed-form allocation)", ["syn-0"]],
    ["every reachable source (lending and a Uniswap v2 pair)", undefined],
  ] as const) {
    it(`gives the reference path's results, decision by decision: ${label}`, async () => {
      const data = await readDataset(GOLDEN_DIR);
      const loaded = parseConfig(
        { model: MODEL, state: { historyDays: 60 }, backtest: sources ? { sources: [...sources] } : {} },
        "golden",
      );
      const pools = selectSources(data, loaded.config.backtest).pools;
      const start = T0 + 66 * DAY;
      const o: BacktestOptions = {
        start,
        end: T0 + 78 * DAY - 3_600,
        stepSeconds: 3_600,
        capitalUsd: 5_000_000,
        strategies: ["keel", "equal", "greedy", "topk", "static-mvo", "oracle"],
        config: loaded.config,
        configHash: loaded.hash,
      };
      const forecaster = { ...MODEL, notTrainedAfter: start };
      const signal = new AbortController().signal;
      const forecasters = await buildForecasters(forecaster, { logger: pino({ level: "silent" }) });
      const reference = await runBacktest(
        o,
        { data, pools, forecasters, solver: createHighsSolver(), reference: true },
        signal,
      );
      const fast = await runBacktestParallel(
        o,
        { dataDir: GOLDEN_DIR, forecaster, log: { level: "silent", format: "json" } },
        { data, pools, solver: createHighsSolver() },
        signal,
      );
      expect(comparable(fast)).to.deep.equal(comparable(reference));
      // Not a vacuous comparison: keel decided and acted, and the strategies differ.
      expect(reference.keel?.ticks).to.equal(12 * 24);
      expect(reference.keel?.executed).to.be.greaterThan(0);
      expect(new Set(Object.values(reference.metrics).map((m) => m.net_apy_pct)).size).to.be.greaterThan(2);
      const summaries = fast.runs[0]!.decisions.flatMap((d) => d.stages.map((s) => s.summary));
      if (sources) expect(summaries.some((s) => s.includes("via closed-form-cvar"))).to.equal(true);
    });
  }
});
