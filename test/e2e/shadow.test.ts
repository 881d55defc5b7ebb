// Shadow mode and quorum on state reads, on a real local chain with keel's contracts: the daemon's stages
// in this process, configured as an operator would (RPC URLs as secrets), behind loopback fault proxies.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { Contract, id, JsonRpcProvider, Wallet } from "ethers";
import pino from "pino";
import { systemClock } from "../../src/adapters/clock.ts";
import { KeelAllocatorAbi } from "../../src/adapters/ethers/abi/generated.ts";
import { type App, createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config/load.ts";
import { DEVNET_NATIVE_SYMBOL, feedsBySymbol } from "../../src/devnet/accounts.ts";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";
import type { DecisionRecord } from "../../src/domain/decision.ts";
import { createMetrics, type Metrics } from "../../src/observability/metrics.ts";
import { createShutdown, type Shutdown } from "../../src/runtime/shutdown.ts";
import { runKeel, tempStateDir } from "../support/daemon.ts";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.ts";

const logger = pino({ level: "silent" });

describe("shadow mode and quorum on state reads (local chain)", function () {
  this.timeout(300_000);
  let devnet: Devnet;
  let chain: JsonRpcProvider;
  let honest: FaultProxy;
  let liar: FaultProxy;
  let keeper: string;
  let allocator: Contract;
  const running: { app: App; shutdown: Shutdown }[] = [];

  before(async () => {
    const { config } = parseConfig({ devnet: { episodes: false, stepIntervalMs: 600_000 } }, "devnet");
    devnet = await startDevnet({ ...config.devnet, httpPort: 0, autoStep: false }, { logger });
    chain = new JsonRpcProvider(devnet.rpcUrl, undefined, { staticNetwork: true, polling: false, cacheTimeout: -1 });
    honest = await startFaultProxy(devnet.rpcUrl);
    liar = await startFaultProxy(devnet.rpcUrl);
    keeper = new Wallet(devnet.keys.keeper).address;
    allocator = new Contract(devnet.deployment.allocator, KeelAllocatorAbi, chain);
  });

  afterEach(async () => {
    for (const { shutdown } of running.splice(0)) await shutdown.close("test done");
    liar.clear();
  });

  after(async () => {
    chain?.destroy();
    await honest?.close();
    await liar?.close();
    await devnet?.close();
  });

  /** An operator's config for this devnet: RPC URLs and the keeper key as secret files, `execution` as given. */
  async function start(
    urls: string[],
    execution: Record<string, unknown>,
    metrics: Metrics = createMetrics(),
    log: pino.Logger = logger,
  ) {
    const dir = tempStateDir("keel-shadow-");
    const rpcUrls = urls.map((u, i) => {
      const file = join(dir, `rpc${i}.url`);
      writeFileSync(file, u, { mode: 0o600 });
      return { file };
    });
    const keyFile = join(dir, "keeper.key");
    writeFileSync(keyFile, devnet.keys.keeper, { mode: 0o600 });
    const d = devnet.deployment;
    const loaded = parseConfig(
      {
        chain: { chainId: 31337, rpcUrls, confirmations: 0 },
        contracts: {
          vault: d.vault,
          allocator: d.allocator,
          oracles: feedsBySymbol(d.oracles),
          nativePriceSymbol: DEVNET_NATIVE_SYMBOL,
        },
        strategy: { minIdleBps: 6_000 },
        risk: { maxDataAgeSeconds: 7_200, oracleHeartbeatSeconds: 7_200 },
        // Each test starts a fresh state directory on the same chain: the keeper's earlier history is adopted.
        execution: {
          keeper: { type: "privateKey", key: { file: keyFile } },
          receiptTimeoutMs: 30_000,
          adoptChainHistory: true,
          ...execution,
        },
        model: { path: "models/none/model.onnx" },
        state: { dir: join(dir, "state") },
      },
      "shadow-test",
    );
    const shutdown = createShutdown({ graceMs: 5_000 }, { logger });
    const app = await createApp(loaded, { dryRun: false }, { logger: log, metrics, shutdown, clock: systemClock });
    running.push({ app, shutdown });
    return { app, stateDir: loaded.config.state.dir, mode: loaded.config.execution.mode };
  }

  /** Steps the market and ticks (bounded) until `done` holds. */
  async function tickUntil(app: App, what: string, done: (r: DecisionRecord) => boolean): Promise<DecisionRecord> {
    for (let i = 0; i < 30; i++) {
      await devnet.simulator.step();
      const rec = await app.tick("manual");
      if (rec && done(rec)) return rec;
    }
    throw new Error(`no ${what} within 30 ticks`);
  }

  const rebalancedSince = async (block: number) =>
    allocator.queryFilter(allocator.filters.Rebalanced!(), block, "latest");

  it("a config without `mode` is shadow: decides a rebalance, journals it as would-have, sends nothing", async () => {
    const metrics = createMetrics();
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const { app, stateDir, mode } = await start([honest.url], {}, metrics, log);
    expect(mode).to.equal("shadow");
    // Said loudly at start: a warning naming the mode and how to go live.
    expect(lines.some((l) => l.level === 40 && /^SHADOW MODE: .*execution\.mode: live/.test(l.msg))).to.equal(true);
    const nonceBefore = await chain.getTransactionCount(keeper, "latest");
    const fromBlock = await chain.getBlockNumber();
    const rec = await tickUntil(app, "shadow decision", (r) => r.detail.action?.route === "shadow");

    // The same decision record as live, every stage on it, the action marked shadow with the plan kept.
    expect(rec.outcome).to.equal("executed");
    expect(rec.stages.map((s) => `${s.stage}:${s.status}`).join(" ")).to.equal(
      "ingest:ok predict:ok riskGate:ok optimize:ok gasCheck:ok execute:ok",
    );
    expect(rec.detail.action).to.deep.include({ route: "shadow", status: "recorded", wouldRoute: "direct" });
    expect(rec.detail.action?.txHashes).to.deep.equal([]);
    expect(rec.detail.plan?.moves.length).to.be.greaterThan(0);
    expect(rec.stages.at(-1)?.summary).to.match(/^shadow: would have sent \d+ move\(s\) via direct: /);
    expect((await app.journal.get(rec.id))?.detail.action?.route).to.equal("shadow");

    // Nothing signed or sent: keeper nonce unchanged, no Rebalanced event, no intent, no proposal.
    expect(await chain.getTransactionCount(keeper, "latest")).to.equal(nonceBefore);
    expect(await rebalancedSince(fromBlock)).to.have.length(0);
    expect(await app.execution.listPendingIntents()).to.deep.equal([]);
    expect(await app.execution.listPendingProposals()).to.deep.equal([]);
    const exposition = await metrics.registry.metrics();
    expect(exposition).to.match(/^keel_execution_mode\{mode="shadow"\} 1$/m);

    // `keel report` (the CLI, from the journal) lists the would-have decision.
    const out = join(stateDir, "report.html");
    const report = await runKeel(["report", "--out", out], { KEEL__STATE__DIR: stateDir });
    expect(report.code, report.stderr).to.equal(0);
    const html = readFileSync(out, "utf8");
    expect(html).to.contain('<section id="shadow">');
    expect(html).to.contain(`<code>${rec.id}</code>`);
    expect(html).to.match(/\d+ decision\(s\) taken in shadow mode/);
  });

  it("with two endpoints, one lying about eth_call results: the tick halts RPC_STATE_DISAGREE, journaled, nothing sent", async () => {
    // Live, so only the quorum stands between the lie and a send.
    const { app } = await start([honest.url, liar.url], { mode: "live" });
    liar.set("eth_call", "lieState");
    const nonceBefore = await chain.getTransactionCount(keeper, "latest");
    await devnet.simulator.step();
    const rec = await app.tick("manual");
    expect(rec?.outcome).to.equal("halted");
    expect(rec?.haltReasons.map((r) => r.code)).to.deep.equal(["RPC_STATE_DISAGREE"]);
    expect(rec?.stages.map((s) => [s.stage, s.status])).to.deep.equal([["ingest", "halt"]]);
    expect((await app.journal.get(rec!.id))?.haltReasons[0]?.code).to.equal("RPC_STATE_DISAGREE");
    expect(liar.injected.lieState).to.be.greaterThan(0);
    expect(await chain.getTransactionCount(keeper, "latest")).to.equal(nonceBefore);
  });

  it("with three endpoints, one lying: the two that agree outvote it and the tick goes on", async () => {
    const metrics = createMetrics();
    const { app } = await start([honest.url, liar.url, honest.url], { mode: "shadow" }, metrics);
    liar.set("eth_call", "lieState");
    await devnet.simulator.step();
    const rec = await app.tick("manual");
    expect(rec?.stages[0]).to.deep.include({ stage: "ingest", status: "ok" });
    expect(rec?.haltReasons.map((r) => r.code)).to.not.include("RPC_STATE_DISAGREE");
    expect(await metrics.registry.metrics()).to.match(/^keel_rpc_state_checks_total\{result="outvoted"\} [1-9]/m);
  });

  it("`mode: live` sends as before: the rebalance lands as a Rebalanced event carrying the decision's intent id", async () => {
    const { app, mode } = await start([honest.url], { mode: "live" });
    expect(mode).to.equal("live");
    const nonceBefore = await chain.getTransactionCount(keeper, "latest");
    const fromBlock = await chain.getBlockNumber();
    const rec = await tickUntil(app, "executed decision", (r) => r.outcome === "executed");
    expect(rec.detail.action?.route).to.equal("direct");
    expect(rec.detail.action?.txHashes.length).to.be.greaterThan(0);
    expect(await chain.getTransactionCount(keeper, "latest")).to.be.greaterThan(nonceBefore);
    const events = await rebalancedSince(fromBlock);
    expect(events.filter((e) => "args" in e && e.args.intentId === id(rec.id))).to.have.length(1);
  });
});
