// `keel status`, `keel explain` and `keel report` as processes, against a journal on disk with no
// daemon running (the offline path), and `formatStatus` for the one-screen layout.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { expect } from "chai";
import { id } from "ethers";
import { commitmentWord } from "../../../src/adapters/execution/allocatorCodec.ts";
import { formatDecision } from "../../../src/cli/explain.ts";
import { formatStatus } from "../../../src/cli/status.ts";
import type { DecisionRecord } from "../../../src/domain/decision.ts";
import { buildStatusView, type StatusView } from "../../../src/observability/statusView.ts";
import { runKeel, tempStateDir } from "../../support/daemon.ts";
import { decision, depegStopDecision, SOURCE_A, SOURCE_B } from "../../support/ops-fixtures.ts";

describe("ops commands on a journal with no daemon", function () {
  this.timeout(30_000);
  let stateDir = "";
  // Port 1 on loopback: nothing listens, so the commands fall back to the journal files.
  const env = () => ({ KEEL__STATE__DIR: stateDir, KEEL__HTTP__PORT: "1" });

  before(() => {
    stateDir = tempStateDir("keel-ops-");
    const dir = join(stateDir, "journal");
    mkdirSync(dir, { recursive: true });
    const records = Array.from({ length: 30 }, (_v, i) => decision(i + 1));
    const byDay = new Map<string, DecisionRecord[]>();
    for (const r of records) {
      const day = new Date(r.startedAt).toISOString().slice(0, 10);
      byDay.set(day, [...(byDay.get(day) ?? []), r]);
    }
    for (const [day, recs] of byDay)
      writeFileSync(join(dir, `${day}.json`), JSON.stringify({ version: 1, records: recs }));
    writeFileSync(join(dir, "2025-12-31.json"), "\0\0\0");
  });

  after(() => rmSync(stateDir, { recursive: true, force: true }));

  it("status --json shows the journal's view and exits 75 because the daemon is not running", async () => {
    const r = await runKeel(["status", "--json"], env());
    expect(r.code, r.stderr).to.equal(75);
    const view = JSON.parse(r.stdout) as StatusView & { daemon: string };
    expect(view.daemon).to.equal("not running");
    expect(view.lastTick?.id).to.equal("d-00030");
    expect(view.chainId).to.equal(31337);
    expect(view.allocation.map((a) => a.sourceId)).to.include(SOURCE_A);
  });

  it("status and explain show the labels the config gives the sources, in place of their addresses", async () => {
    const config = join(stateDir, "labels.json");
    writeFileSync(
      config,
      JSON.stringify({ state: { dir: stateDir }, contracts: { sourceLabels: { [SOURCE_A]: "Aave v3 USDC" } } }),
    );
    const status = await runKeel(["status", "--config", config], { KEEL__HTTP__PORT: "1" });
    expect(status.stdout).to.match(/^ {2}Aave v3 USDC\s+\d/m);
    expect(status.stdout).not.to.contain(SOURCE_A.slice(0, 6));
    // With no daemon, amounts are in the asset the journal's records carry, not in 18-decimal units.
    expect(status.stdout).to.contain("total 1003000.00 USDC");
    const explain = await runKeel(["explain", "d-00003", "--config", config], { KEEL__HTTP__PORT: "1" });
    expect(explain.stdout).to.match(/^ {2}Aave v3 USDC {2}P10/m);
  });

  it("explain prints a decision's stages and reasons, and exits 1 for an unknown id", async () => {
    const r = await runKeel(["explain", "d-00002"], env());
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain("decision d-00002  HALTED");
    expect(r.stdout).to.contain("GAIN_BELOW_COST");
    expect(r.stdout).to.match(/gasCheck\s+halt/);
    const json = await runKeel(["explain", "d-00003", "--json"], env());
    expect((JSON.parse(json.stdout) as DecisionRecord).outcome).to.equal("executed");
    const executed = await runKeel(["explain", "d-00003"], env());
    expect(executed.stdout).to.contain("total 1000300.00 USDC");
    expect(executed.stdout).to.match(/deposit\s+10\.00 USDC into 0x2222/);
    const missing = await runKeel(["explain", "nope"], env());
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain("DECISION_NOT_FOUND");
  });

  it("report writes a self-contained HTML file from the journal, noting unreadable files", async () => {
    const out = join(stateDir, "out", "report.html");
    const r = await runKeel(["report", "--out", out], env());
    expect(r.code, r.stderr).to.equal(0);
    const html = readFileSync(out, "utf8");
    expect(html).to.contain('<section id="forecasts">');
    expect(html).to.contain("30 decisions");
    expect(html).to.contain("2025-12-31.json");
  });

  it("report --backtest builds from a backtest JSON and rejects a malformed one with exit 1", async () => {
    const bt = join(stateDir, "bt.json");
    writeFileSync(
      bt,
      JSON.stringify({
        start: "2024-01-01",
        end: "2024-06-30",
        capital_usd: 1e6,
        strategies: { keel: { net_apy_pct: 5 } },
      }),
    );
    const out = join(stateDir, "bt.html");
    const ok = await runKeel(["report", "--out", out, "--backtest", bt], env());
    expect(ok.code, ok.stderr).to.equal(0);
    expect(existsSync(out)).to.equal(true);
    writeFileSync(bt, JSON.stringify({ strategies: [] }));
    const bad = await runKeel(["report", "--out", out, "--backtest", bt], env());
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain("capital_usd");
  });
});

describe("ops commands never read another daemon's API", function () {
  this.timeout(30_000);
  // Another keel (another state directory) answering on the configured port.
  const bigints = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
  const foreignView = buildStatusView(
    [decision(1)],
    { version: "9.9.9", chainId: 999, mode: "live", dryRun: false, configHash: "foreign" },
    { intents: 0, proposals: 0 },
    Date.UTC(2026, 0, 2),
  );
  let foreign: Server;
  let port = 0;
  before(async () => {
    foreign = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      if (req.url?.startsWith("/api/v1/decisions"))
        res.end(JSON.stringify({ decisions: [{ ...decision(1), id: "foreign-1" }] }, bigints));
      else res.end(JSON.stringify({ ...foreignView, foreign: true }, bigints));
    });
    await new Promise<void>((r) => foreign.listen(0, "127.0.0.1", r));
    port = (foreign.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => foreign.close(() => r())));

  it("status in a state directory with no runtime.json says no daemon runs there and shows its journal", async () => {
    const stateDir = tempStateDir("keel-ops-none-");
    const r = await runKeel(["status", "--json"], { KEEL__STATE__DIR: stateDir, KEEL__HTTP__PORT: String(port) });
    const view = JSON.parse(r.stdout) as StatusView & { daemon: string; foreign?: boolean };
    expect(view.foreign, "read the other daemon").to.equal(undefined);
    expect(view.daemon).to.equal("not running");
    expect(r.stderr).to.contain("runtime.json").and.contain(stateDir);
    const text = await runKeel(["status"], { KEEL__STATE__DIR: stateDir, KEEL__HTTP__PORT: String(port) });
    expect(text.stdout).to.contain(`no daemon runs on ${stateDir}`);
  });

  it("report in a state directory with no journal and no runtime.json fails naming that, not with another daemon's decisions", async () => {
    const stateDir = tempStateDir("keel-ops-none-");
    const out = join(stateDir, "report.html");
    const r = await runKeel(["report", "--out", out], { KEEL__STATE__DIR: stateDir, KEEL__HTTP__PORT: String(port) });
    expect(existsSync(out), "a report from the other daemon").to.equal(false);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain("runtime.json");
  });
});

describe("status and explain text", () => {
  it("fits the operator's questions on one screen", () => {
    const view = buildStatusView(
      [decision(4, { paused: true })],
      {
        version: "0.1.0",
        chainId: 31337,
        mode: "devnet",
        dryRun: false,
        configHash: "abc",
        baseSymbol: "USDC",
        baseDecimals: 6,
        paused: true,
        sourceLabels: { [SOURCE_A]: "aave-usdc" },
      },
      { intents: 2, proposals: 1 },
      Date.UTC(2026, 0, 1, 5),
    );
    const text = formatStatus(view, "running", "http://127.0.0.1:9464");
    const lines = text.trimEnd().split("\n");
    expect(lines.length).to.be.at.most(24);
    expect(text).to.contain("PAUSED (kill-switch pulled)");
    expect(text).to.contain("aave-usdc");
    expect(text).to.contain("total 1000400.00 USDC");
    expect(text).to.contain("2 intent(s), 1 Safe proposal(s)");
    expect(text).to.contain("fallback: model file missing");
  });

  it("explains an executed decision with its plan, gas and transaction", () => {
    const text = formatDecision(decision(3));
    expect(text).to.contain("EXECUTED");
    expect(text).to.contain("deposit");
    expect(text).to.contain("gain/cost 9.60");
    expect(text).to.contain(`tx 0x${"ab".repeat(32)}`);
  });

  it("shows the decision commitment beside the words the on-chain Rebalanced event carried", () => {
    const rec = {
      ...decision(3),
      snapshotHash: "11".repeat(32),
      modelHash: "persistence",
      configHash: "0123456789abcdef",
    };
    const words = {
      snapshotHash: `0x${"11".repeat(32)}`,
      modelHash: commitmentWord("persistence"),
      configHash: `0x0123456789abcdef${"0".repeat(48)}`,
    };
    const onchain = { txHash: `0x${"ab".repeat(32)}`, block: 7, words };
    const text = formatDecision(rec, {}, onchain);
    expect(text).to.contain(`on-chain Rebalanced, tx 0x${"ab".repeat(32)}, block 7`);
    expect(text.match(/= on-chain \(match\)/g)).to.have.length(3);
    expect(words.modelHash).to.equal(id("persistence")); // a baseline's name goes on-chain as its keccak256
    const tampered = formatDecision(rec, {}, { ...onchain, words: { ...words, configHash: `0x${"ff".repeat(32)}` } });
    expect(tampered).to.contain("MISMATCH");
    expect(formatDecision(rec, {}, "no Rebalanced event for this decision's intent id")).to.contain(
      "on-chain: no Rebalanced event",
    );
  });

  it("explain prints amounts in the base asset's units, with the sources' labels", () => {
    const rec = decision(3);
    const text = formatDecision(rec, { [SOURCE_B]: "Yield Vault B" });
    expect(text).to.contain("snapshot  total 1000300.00 USDC, idle");
    expect(text).to.match(/deposit\s+10\.00 USDC into Yield Vault B/);
    expect(text).not.to.contain("10000000");
    // A record from before the asset was kept: the daemon's asset, else plainly base units.
    const { asset: _drop, ...older } = rec.detail.snapshot!;
    const old = { ...rec, detail: { ...rec.detail, snapshot: older } };
    expect(formatDecision(old, {}, undefined, { symbol: "kUSDC", decimals: 6 })).to.contain("total 1000300.00 kUSDC");
    expect(formatDecision(old)).to.contain("total 1000300000000 base units");
  });

  it("explain leads with the headline, the most severe reason: a depeg freeze is DEPEG_STOP, not STAY", () => {
    const text = formatDecision(depegStopDecision(6), { [SOURCE_A]: "aave-usdc" });
    const lines = text.split("\n");
    expect(lines[1], text).to.match(/^ {2}headline DEPEG_STOP \(freeze\): aave-usdc frozen: base asset USDC/);
    const reasons = lines.slice(lines.indexOf("reasons") + 1).filter((l) => l.startsWith("  "));
    expect(reasons[0]).to.contain("DEPEG_STOP");
    expect(reasons.findIndex((l) => l.includes("STAY"))).to.be.greaterThan(1);
  });
});
