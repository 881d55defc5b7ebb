// The shipped alert rules run by promtool against what a real daemon exports: its /metrics is scraped
// while it ticks, and the scrapes become the rule test's input series (test/support/promtool.ts). The
// generated rule tests are left in test-artifacts/ for reading.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { expect } from "chai";
import { Contract, id, JsonRpcProvider, Wallet } from "ethers";
import pino from "pino";
import { deploySafe, deploySafeContracts } from "../../src/adapters/safe/deploy.ts";
import { parseConfig } from "../../src/config/load.ts";
import { DEVNET_ACCOUNTS, DEVNET_NATIVE_SYMBOL, devnetKey, feedsBySymbol } from "../../src/devnet/accounts.ts";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";
import { type DaemonHandle, metricValue, startDaemon, tempStateDir } from "../support/daemon.ts";
import {
  type AlertCheck,
  firing,
  hasPromtool,
  runRuleTest,
  type Scrape,
  samplesOf,
  shippedAlerts,
} from "../support/promtool.ts";

const keeper = new Wallet(devnetKey(DEVNET_ACCOUNTS.keeper)).address;

/** Outside CI a missing promtool skips with a notice; in CI (.ci/install-deps.sh installs it) it fails. */
function requirePromtool(ctx: Mocha.Context): void {
  if (hasPromtool()) return;
  if (process.env.CI) throw new Error("promtool is not installed in CI: .ci/install-deps.sh should have installed it");
  console.log("    (skipped: promtool not installed; run .ci/install-deps.sh)");
  ctx.skip();
}

/** Runs `drive`, waits until the daemon finished one more tick, and scrapes /metrics. */
async function tickAndScrape(d: DaemonHandle, scrapes: Scrape[], drive: () => Promise<unknown>): Promise<void> {
  const before = metricValue(await d.metrics(), "keel_ticks_total") || 0;
  await drive();
  await d.waitFor("a finished tick", async () => metricValue(await d.metrics(), "keel_ticks_total") > before);
  scrapes.push({ atMs: Date.now(), text: await d.metrics() });
}

/** Waits until the daemon stops ticking on its own (its last rebalance settled, nothing mines blocks). */
async function quiet(d: DaemonHandle): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const before = metricValue(await d.metrics(), "keel_ticks_total");
    await delay(1_500);
    const after = metricValue(await d.metrics(), "keel_ticks_total");
    if (before === after && d.decisions().at(-1)?.outcome !== "pending") return;
  }
  throw new Error("the daemon kept ticking");
}

/** Fees the keeper paid, from the chain itself: every transaction it sent, by its receipt. */
async function keeperFeesWei(chain: JsonRpcProvider): Promise<bigint> {
  const head = await chain.getBlockNumber();
  let sum = 0n;
  for (let n = 0; n <= head; n++) {
    const block = await chain.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.from.toLowerCase() !== keeper.toLowerCase()) continue;
      const receipt = await chain.getTransactionReceipt(tx.hash);
      sum += receipt?.fee ?? 0n;
    }
  }
  return sum;
}

/** One `exp_alerts: []` per shipped alert: nothing fires at `at`. */
function silent(at: string, except: readonly string[] = []): AlertCheck[] {
  return shippedAlerts()
    .filter((r) => !except.includes(r.alert))
    .map((r) => ({ eval_time: at, alertname: r.alert, exp_alerts: [] }));
}

describe("shipped alert rules on a running daemon's /metrics (keel run on the embedded devnet, promtool)", function () {
  this.timeout(300_000);
  let d: DaemonHandle | undefined;
  const fresh: Scrape[] = [];

  before(async function () {
    requirePromtool(this);
    // The market steps only at start (warm-up): the test mines every block, so it decides when time moves.
    d = await startDaemon({
      env: { KEEL__DEVNET__STEP_INTERVAL_MS: "600000", KEEL__SCHEDULE__POLL_INTERVAL_MS: "200" },
    });
  });

  after(async () => {
    if (d) expect(await d.stop("SIGTERM")).to.equal(0);
  });

  it("a fresh daemon with a funded keeper pages nobody, and its gauges say what the chain says", async () => {
    const daemon = d!;
    for (let i = 0; i < 6; i++) await tickAndScrape(daemon, fresh, () => daemon.chain.send("evm_mine", []));
    await quiet(daemon);
    fresh.push({ atMs: Date.now(), text: await daemon.metrics() });
    const last = fresh.at(-1)!.text;
    // Twelve minutes on: every `for:` up to 10 m has run out, and no alert fires (the last tick is 7 m old).
    const r = runRuleTest("alerts-fresh-daemon", [
      { name: "fresh daemon, funded keeper", scrapes: fresh, holdMinutes: 20, alerts: silent("12m") },
    ]);
    expect(r.status, `${r.file}\n${r.output}`).to.equal(0);
    const decisions = daemon.decisions();
    expect(
      decisions.some((r) => r.outcome === "executed"),
      "a rebalance was executed",
    ).to.equal(true);
    const observed = decisions.filter((r) => r.detail.snapshot).at(-1)!;

    const balance = await daemon.chain.getBalance(keeper, observed.block!);
    expect(balance > 10n ** 21n, "the devnet keeper holds 1000+ ETH").to.equal(true);
    const kept = samplesOf(last, "keel_keeper_balance_wei");
    expect(kept.map((s) => s.labels)).to.deep.equal([`{address="${keeper}"}`]);
    expect(kept[0]!.value).to.be.closeTo(Number(balance), Number(balance) * 1e-12);
    const vault = new Contract(
      daemon.runtime.vault,
      ["function totalAssets() view returns (uint256)", "function asset() view returns (address)"],
      daemon.chain,
    );
    const assets = (await vault.getFunction("totalAssets")({ blockTag: observed.block! })) as bigint;
    const symbol = (await new Contract(
      (await vault.getFunction("asset")()) as string,
      ["function symbol() view returns (string)"],
      daemon.chain,
    ).getFunction("symbol")()) as string;
    const total = samplesOf(last, "keel_vault_total_assets");
    expect(total.map((s) => s.labels)).to.deep.equal([`{asset="${symbol}"}`]);
    expect(total[0]!.value).to.be.closeTo(Number(assets) / 1e6, 1e-6);
    const fees = await keeperFeesWei(daemon.chain);
    expect(fees > 0n, "the keeper paid gas").to.equal(true);
    expect(metricValue(last, "keel_gas_spent_wei_total")).to.be.closeTo(Number(fees), Number(fees) * 1e-12);
    const feeds = [symbol, DEVNET_NATIVE_SYMBOL].map((s) => s.toUpperCase()).sort();
    expect(samplesOf(last, "keel_oracle_stale")).to.have.deep.members(
      feeds.map((s) => ({ labels: `{symbol="${s}"}`, value: 0 })),
    );
    expect(metricValue(last, "keel_oldest_pending_intent_blocks")).to.equal(0);
  });

  it("KeelOracleStale fires for each feed once the chain has moved two hours past its last price", async () => {
    const daemon = d!;
    const stale: Scrape[] = [];
    const before = (await daemon.chain.getBlock("latest"))!.timestamp;
    await daemon.chain.send("evm_increaseTime", [7_200]);
    for (let i = 0; i < 3; i++) await tickAndScrape(daemon, stale, () => daemon.chain.send("evm_mine", []));
    const head = (await daemon.chain.getBlock("latest"))!.timestamp;
    expect(head - before, "chain time moved past the 3 600 s heartbeat").to.be.greaterThan(3_600);
    const symbols = samplesOf(stale.at(-1)!.text, "keel_oracle_stale").map((s) => {
      expect(s.value, s.labels).to.equal(1);
      return /symbol="([^"]+)"/.exec(s.labels)![1]!;
    });
    expect(symbols).to.have.length(2);
    const rule = shippedAlerts().find((a) => a.alert === "KeelOracleStale")!;
    const end = fresh.length + stale.length + 6;
    const r = runRuleTest("alerts-stale-oracle", [
      {
        name: "fresh, then every feed stale",
        scrapes: [...fresh, ...stale],
        holdMinutes: 10,
        alerts: [
          { eval_time: `${fresh.length - 1}m`, alertname: "KeelOracleStale", exp_alerts: [] },
          {
            eval_time: `${end}m`,
            alertname: "KeelOracleStale",
            exp_alerts: symbols.map((s) => firing(rule, { symbol: s })),
          },
          { eval_time: `${end}m`, alertname: "KeelKeeperBalanceCritical", exp_alerts: [] },
        ],
      },
    ]);
    expect(r.status, `${r.file}\n${r.output}`).to.equal(0);
  });
});

describe("a Safe proposal waiting for signatures is not a failure (keel run with route safe, promtool)", function () {
  this.timeout(300_000);
  let devnet: Devnet | undefined;
  let d: DaemonHandle | undefined;

  before(async function () {
    requirePromtool(this);
    const defaults = parseConfig({}, "defaults").config.devnet;
    devnet = await startDevnet(
      { ...defaults, httpPort: 0, autoStep: false, episodes: false },
      { logger: pino({ level: "silent" }) },
    );
    // A 2-of-3 Safe from the npm artifacts becomes a manager of the allocator; the keeper only proposes.
    const chain = new JsonRpcProvider(devnet.rpcUrl, 31337, { staticNetwork: true, cacheTimeout: -1 });
    const deployer = Wallet.createRandom().connect(chain);
    await chain.send("hardhat_setBalance", [deployer.address, "0x56BC75E2D63100000"]);
    const contracts = await deploySafeContracts(deployer);
    const manager = new Wallet(devnet.keys.manager, chain);
    const owners = [manager.address, Wallet.createRandom().address, Wallet.createRandom().address];
    const safe = await deploySafe(deployer, contracts, owners, 2);
    const allocator = new Contract(devnet.deployment.allocator, ["function grantRole(bytes32,address)"], manager);
    await (await allocator.getFunction("grantRole")(id("MANAGER_ROLE"), safe)).wait();
    chain.destroy();
    devnet.simulator.start(500);
    const dir = tempStateDir("keel-alerts-safe-");
    const config = join(dir, "keel.json");
    writeFileSync(
      config,
      JSON.stringify({
        chain: { chainId: 31337, rpcUrls: [{ env: "KEEL_TEST_RPC" }], confirmations: 0 },
        contracts: {
          vault: devnet.deployment.vault,
          allocator: devnet.deployment.allocator,
          oracles: feedsBySymbol(devnet.deployment.oracles),
          nativePriceSymbol: DEVNET_NATIVE_SYMBOL,
        },
        // A tick every 5 s, longer than a Safe-route tick takes even on a loaded machine: the scrapes
        // stand for minutes, so ticks skipped on a faster schedule would read as a real alert.
        schedule: { onNewBlock: false, cron: "*/5 * * * * *" },
        execution: {
          mode: "live",
          route: "safe",
          keeper: { type: "privateKey", key: { env: "KEEL_TEST_KEEPER_KEY" } },
          safe: { address: safe, contracts, resimulateEveryBlocks: 1 },
        },
        model: { path: "models/none/model.onnx" },
        state: { dir: join(dir, "state") },
      }),
    );
    d = await startDaemon({
      stateDir: join(dir, "state"),
      args: ["--config", config],
      env: { KEEL_TEST_RPC: devnet.rpcUrl, KEEL_TEST_KEEPER_KEY: devnet.keys.keeper },
    });
  });

  after(async () => {
    if (d) expect(await d.stop("SIGTERM")).to.equal(0);
    await devnet?.close();
  });

  it("ticks while the proposal waits end halted on PROPOSAL_PENDING: no tick failure, no page", async () => {
    const daemon = d!;
    const proposed = await daemon.waitFor("a Safe proposal", () =>
      daemon.decisions().find((r) => r.detail.action?.status === "proposed"),
    );
    const scrapes: Scrape[] = [];
    for (let i = 0; i < 6; i++) await tickAndScrape(daemon, scrapes, async () => undefined);
    const at = (m: number) => `${m}m`;
    const end = scrapes.length - 1;
    const r = runRuleTest("alerts-safe-waiting", [
      {
        name: "a Safe proposal waits for signatures",
        scrapes,
        holdMinutes: 40,
        alerts: [
          ...silent(at(end)),
          ...["KeelRepeatedTickFailures", "KeelHalted", "KeelPendingIntentStuck", "KeelProposalsWaiting"].map(
            (alertname) => ({ eval_time: at(end + 35), alertname, exp_alerts: [] }),
          ),
        ],
      },
    ]);
    expect(r.status, `${r.file}\n${r.output}`).to.equal(0);
    const waiting = daemon.decisions().filter((r) => r.startedAt > proposed.startedAt && r.outcome !== "pending");
    expect(waiting.length).to.be.at.least(5);
    for (const r of waiting) {
      expect(r.outcome, r.id).to.equal("halted");
      expect(r.haltReasons.map((h) => h.code)).to.deep.equal(["PROPOSAL_PENDING"]);
    }
    const last = scrapes.at(-1)!.text;
    expect(samplesOf(last, "keel_tick_failures_total")).to.deep.equal([]);
    expect(metricValue(last, "keel_pending_proposals")).to.equal(1);
    expect(metricValue(last, "keel_halted")).to.equal(0);
    // The proposal's intent waits on signers, not on the chain: it is no stuck intent.
    expect(metricValue(last, "keel_oldest_pending_intent_blocks")).to.equal(0);
  });
});
