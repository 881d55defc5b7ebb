import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { syntheticDataset } from "../../../src/backtest/synthetic.ts";
import { T0 } from "../../support/backtest.ts";
import { writeDatasetCsv } from "../../support/goldenFixture.ts";

/** Writes a generated dataset as keel CSV files. */
function writeDataset(dir: string): void {
  writeDatasetCsv(dir, syntheticDataset({ sources: 3, start: T0, days: 200, rateStepSeconds: 86_400, seed: 5 }));
}

describe("keel backtest command", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), "keel-bt-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const backtest = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ["src/main.ts", "backtest", "--data", dir, "--start", "2024-05-01", "--end", "2024-06-15", ...args],
      { encoding: "utf8" },
    );

  it("prints one JSON document with every strategy's metrics and writes a self-contained report", () => {
    writeDataset(dir);
    const report = join(dir, "out", "report.html");
    const r = backtest("--capital", "1000000", "--json", "--report", report);
    expect(r.status, r.stderr).to.equal(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).to.include({ start: "2024-05-01", end: "2024-06-15", capital_usd: 1_000_000 });
    expect(Object.keys(doc.strategies)).to.deep.equal(["keel", "equal", "greedy", "topk", "static-mvo", "oracle"]);
    for (const m of Object.values(doc.strategies) as Record<string, unknown>[]) {
      expect(m).to.have.all.keys(
        "net_apy_pct",
        "max_drawdown_pct",
        "gas_pct_aum",
        "rebalances",
        "turnover",
        "win_rate_pct",
        "capture",
      );
    }
    expect(doc.strategies.oracle.capture).to.equal(1);
    // The shipped model saw data after 2024-05-01: the daemon's fallback baseline serves instead, and says why.
    expect(doc.keel.forecaster).to.equal("best");
    expect(doc.keel.model_fallback).to.match(/^MODEL_LOOKAHEAD/);
    const html = readFileSync(report, "utf8");
    expect(html).to.include("<svg");
    expect(html).to.include('id="all-strategies"');
    expect(html).to.not.match(/<script[^>]+src=|<link[^>]+href="http/);
  });

  it("rejects an unknown strategy with exit code 1", () => {
    const r = backtest("--capital", "1", "--strategies", "keel,yolo");
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include("unknown strategy");
  });
});
