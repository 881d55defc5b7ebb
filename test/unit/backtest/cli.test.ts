import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { syntheticDataset } from "../../../src/backtest/synthetic.ts";
import { T0 } from "../../support/backtest.ts";
import { writeDatasetCsv } from "../../support/goldenFixture.ts";
import { tinyPolicy, writePolicy } from "../ml/tinyPolicy.ts";

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
    const served = Object.values(doc.keel.forecasters) as string[];
    expect(served, JSON.stringify(doc.keel.forecasters)).to.not.be.empty;
    for (const name of served) expect(name).to.not.match(/lstm|model|ensemble/);
    expect(doc.keel.model_fallback).to.match(/^MODEL_LOOKAHEAD/);
    const html = readFileSync(report, "utf8");
    expect(html).to.include("<svg");
    expect(html).to.include('id="all-strategies"');
    expect(html).to.not.match(/<script[^>]+src=|<link[^>]+href="http/);
  });

  it("replays keel with the learned policy beside the rule (keel-rl), served from strategy.policyPath", async () => {
    const p = await tinyPolicy(4, "2024-04-01T00:00:00.000Z");
    mkdirSync(join(dir, "policy"), { recursive: true });
    const path = writePolicy(join(dir, "policy"), p.onnx, p.meta);
    const r = spawnSync(
      process.execPath,
      [
        "src/main.ts",
        "backtest",
        "--data",
        dir,
        "--start",
        "2024-05-01",
        "--end",
        "2024-06-15",
        "--capital",
        "1000000",
        "--strategies",
        "keel,keel-rl,equal,greedy",
        "--json",
      ],
      { encoding: "utf8", env: { ...process.env, KEEL__STRATEGY__POLICY_PATH: path } },
    );
    expect(r.status, r.stderr).to.equal(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc.strategies)).to.deep.equal(["keel", "keel-rl", "equal", "greedy"]);
    expect(doc.keel_rl.ticks).to.equal(doc.keel.ticks);
    expect(doc.keel_rl.policy_fallback).to.equal(undefined);
    expect(doc.keel.policy_fallback).to.equal(undefined);
    // A policy trained on data after the start is refused: the rule serves keel-rl, and the output says why.
    const late = await tinyPolicy(4, "2024-06-01T00:00:00.000Z");
    writePolicy(join(dir, "policy"), late.onnx, late.meta);
    const refused = spawnSync(
      process.execPath,
      [
        "src/main.ts",
        "backtest",
        "--data",
        dir,
        "--start",
        "2024-05-01",
        "--end",
        "2024-05-10",
        "--capital",
        "1000000",
      ].concat(["--strategies", "keel,keel-rl", "--json"]),
      { encoding: "utf8", env: { ...process.env, KEEL__STRATEGY__POLICY_PATH: path } },
    );
    expect(refused.status, refused.stderr).to.equal(0);
    const d2 = JSON.parse(refused.stdout);
    expect(d2.keel_rl.policy_fallback).to.match(/^MODEL_LOOKAHEAD/);
    expect(d2.strategies["keel-rl"]).to.deep.equal(d2.strategies.keel);
  });

  it("rejects an unknown strategy with exit code 1", () => {
    const r = backtest("--capital", "1", "--strategies", "keel,yolo");
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include("unknown strategy");
  });
});
