// The built-in dashboard in a real headless Chromium: it renders the daemon's state from the JSON
// API, updates after a tick, and leaves screenshots in test-artifacts/. Once against a journal we
// control (every panel, the kill-switch flipping), once against `keel run` on the embedded devnet.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import pino from "pino";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { memoryJournal } from "../../src/backtest/journal.ts";
import type { SkillView } from "../../src/domain/skill.ts";
import { createApiRoutes } from "../../src/observability/api.ts";
import { createDashboardRoutes } from "../../src/observability/dashboard/routes.ts";
import { type HttpServer, startHttpServer } from "../../src/observability/http.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { buildStatusView } from "../../src/observability/statusView.ts";
import { type DaemonHandle, runKeel, startDaemon } from "../support/daemon.ts";
import { decision, depegStopDecision, SOURCE_A } from "../support/ops-fixtures.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Headless Debian Chromium with a fresh profile (playwright-core passes it as --user-data-dir). */
async function launch(): Promise<{ browser: BrowserContext; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), "keel-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ARGS,
  });
  return { browser, profile };
}

/** Outside CI a missing Chromium skips with a notice; in CI (where .ci/install-deps.sh installs it) it fails. */
function requireChromium(ctx: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.CI)
    throw new Error(`${CHROMIUM} is not installed in CI: .ci/install-deps.sh should have installed it`);
  console.log(`    (skipped: ${CHROMIUM} not installed; run .ci/install-deps.sh)`);
  ctx.skip();
}

describe("dashboard in headless Chromium (controlled journal)", function () {
  this.timeout(60_000);
  let browser: BrowserContext | undefined;
  let server: HttpServer | undefined;
  let profile = "";
  const journal = memoryJournal();
  let paused = false;
  const intents = [
    { id: "d-00003", state: "sent", route: "bundle", nonce: 7, ageBlocks: 2, txHashes: [`0x${"cd".repeat(32)}`] },
  ];

  before(async function () {
    requireChromium(this);
    for (let i = 1; i <= 3; i++) await journal.put(decision(i));
    const routes = [
      ...createApiRoutes({
        journal,
        status: async () =>
          buildStatusView(
            await journal.recent(20),
            {
              version: "0.1.0",
              chainId: 31337,
              mode: "devnet",
              dryRun: false,
              configHash: "cafebabe12345678",
              baseSymbol: "USDC",
              baseDecimals: 6,
              paused,
              sourceLabels: { [SOURCE_A]: "aave-usdc" },
            },
            { intents: intents.length, proposals: 1 },
            Date.now(),
          ),
        listPendingIntents: async () => intents,
        listPendingProposals: async () => [
          {
            safeTxHash: `0x${"ef".repeat(32)}`,
            state: "pending",
            nonce: 3,
            confirmations: 1,
            threshold: 2,
            summary: "exit aave-usdc",
          },
        ],
      }),
      ...createDashboardRoutes(),
    ];
    server = await startHttpServer(
      { host: "127.0.0.1", port: 0 },
      {
        registry: createMetrics({ defaultMetrics: false }).registry,
        health: async () => ({ live: true, ready: true, detail: {} }),
        routes,
        logger: pino({ level: "silent" }),
      },
    );
    ({ browser, profile } = await launch());
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function refreshes(page: Page): Promise<number> {
    return Number((await page.getAttribute("body", "data-refreshes")) ?? "0");
  }

  it("renders state, updates after a tick and the kill-switch, and saves a screenshot", async () => {
    const page = await browser!.newPage();
    const external: string[] = [];
    page.on("request", (req) => {
      if (!req.url().startsWith(server!.url)) external.push(req.url());
    });
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.goto(`${server!.url}/?refresh=250`);
    await page.waitForSelector("#decision-rows tr[data-id='d-00003']");

    expect(await page.textContent("#chain-id")).to.equal("31337");
    expect(await page.textContent("#kill-switch")).to.contain("armed");
    expect(await page.locator("#decision-rows tr").count()).to.equal(3);
    expect(await page.textContent("#decision-rows tr[data-id='d-00002']")).to.contain("GAIN_BELOW_COST");
    expect(await page.textContent("#allocation-rows")).to.contain("aave-usdc");
    expect(await page.locator("#forecast-chart rect[data-source]").count()).to.equal(2);
    expect(await page.locator("#risk-metrics [data-metric='cvar95']").count()).to.equal(1);
    expect(await page.textContent("#intent-rows")).to.contain("d-00003");
    expect(await page.textContent("#proposal-count")).to.equal("1");

    // A tick lands and the guardian pulls the kill-switch: the page follows without a reload.
    const before = await refreshes(page);
    await journal.put(decision(4, { paused: true }));
    paused = true;
    await page.waitForSelector("#decision-rows tr[data-id='d-00004']");
    await page.waitForFunction(() => document.getElementById("kill-switch")?.textContent?.includes("PULLED"));
    expect(await refreshes(page)).to.be.greaterThan(before);
    expect(await page.textContent("#block")).to.equal("140");
    expect(await page.textContent("#run-state")).to.equal("PAUSED");

    // A depeg freeze: every source frozen, the optimizer stays. The row leads with the freeze, not STAY.
    await journal.put(depegStopDecision(5));
    await page.waitForSelector("#decision-rows tr[data-id='d-00005']");
    const cell = page.locator("#decision-rows tr[data-id='d-00005'] td[data-headline]");
    expect(await cell.getAttribute("data-headline")).to.equal("DEPEG_STOP");
    expect(await cell.textContent()).to.match(/^DEPEG_STOP: aave-usdc frozen: base asset USDC .*; STAY: /);
    await page.waitForFunction(() => document.querySelector("#reasons li code")?.textContent === "DEPEG_STOP");

    await page.click("#decision-rows tr[data-id='d-00004']");
    await page.waitForFunction(() => document.getElementById("detail-json")?.textContent?.includes("d-00004"));

    mkdirSync("test-artifacts", { recursive: true });
    const shot = join("test-artifacts", "dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).to.be.greaterThan(10_000);
    expect(external, "requests outside keel's own server").to.deep.equal([]);
    expect(pageErrors).to.deep.equal([]);
  });
});

describe("dashboard in headless Chromium (keel run on the devnet)", function () {
  this.timeout(240_000);
  let daemon: DaemonHandle | undefined;
  let browser: BrowserContext | undefined;
  let profile = "";

  before(async function () {
    requireChromium(this);
    daemon = await startDaemon();
    ({ browser, profile } = await launch());
  });

  after(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (daemon) expect(await daemon.stop("SIGTERM")).to.equal(0);
  });

  it("renders the devnet's state and shows the next tick without a reload", async () => {
    const d = daemon!;
    await d.waitFor("a first decision", () => d.decisions().length > 0 || undefined);
    const page = await browser!.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.goto(`${d.runtime.httpUrl}/?refresh=300`);
    await page.waitForSelector("#decision-rows tr[data-id]");
    expect(await page.textContent("#chain-id")).to.equal(String(d.runtime.chainId));
    expect(await page.textContent("#mode")).to.equal("devnet");
    expect(await page.textContent("#kill-switch")).to.contain("armed");
    // The devnet's adapters, by name, and idle.
    await page.waitForFunction(() => document.querySelectorAll("#allocation-rows tr").length >= 2);
    expect(await page.textContent("#allocation-rows")).to.contain("idle");

    const shown = await page.locator("#decision-rows tr[data-id]").first().getAttribute("data-id");
    const journalIds = d.decisions().map((r) => r.id);
    expect(journalIds).to.include(shown);
    // A later tick lands in the journal and on the page.
    await d.waitFor("a newer decision", () => d.decisions().length > journalIds.length || undefined);
    await page.waitForFunction(
      (old) => document.querySelector("#decision-rows tr[data-id]")?.getAttribute("data-id") !== old,
      shown,
      { timeout: 60_000 },
    );
    const newest = await page.locator("#decision-rows tr[data-id]").first().getAttribute("data-id");
    expect(d.decisions().map((r) => r.id)).to.include(newest);

    mkdirSync("test-artifacts", { recursive: true });
    const shot = join("test-artifacts", "dashboard-devnet.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).to.be.greaterThan(10_000);
    expect(pageErrors).to.deep.equal([]);
  });

  it("keeps the forecast skill ledger live: /api/v1/skill, the metrics and the dashboard's table agree with the decisions", async () => {
    const d = daemon!;
    const latest = await d.waitFor("a decision with a forecast", () =>
      d.decisions().find((r) => r.detail.forecast !== undefined),
    );
    const res = await fetch(`${d.runtime.httpUrl}/api/v1/skill`);
    expect(res.status).to.equal(200);
    const view = (await res.json()) as SkillView;
    expect(view.horizonDays).to.equal(latest.detail.forecast!.horizonDays);
    // Every source of the devnet is in the ledger, served by someone, with the reason.
    expect(view.sources.map((s) => s.sourceId).sort()).to.deep.equal(
      Object.keys(latest.detail.forecast!.sources).sort(),
    );
    for (const s of view.sources) {
      expect(s.served, s.sourceId).to.be.a("string").and.not.equal("");
      expect(s.reason, s.sourceId).to.be.a("string").and.not.equal("");
    }
    // The model never serves the devnet's Uniswap v2 pair or its ERC-4626 vaults: it learnt neither rate.
    for (const s of view.sources.filter((x) => x.kind !== "lending")) {
      expect(s.served, s.sourceId).to.not.match(/^(model|ensemble)/);
      expect(s.reason, s.sourceId).to.match(
        /the model does not forecast .* \((trained on no vault source|trained on .*uniswap-v3.*this source is uniswap-v2)/,
      );
    }
    const metrics = await d.metrics();
    for (const s of view.sources) {
      expect(metrics).to.contain(`keel_forecast_served{source="${s.sourceId}",forecaster="${s.served}"} 1`);
    }
    const page = await browser!.newPage();
    await page.goto(`${d.runtime.httpUrl}/?refresh=300`);
    await page.waitForFunction(
      (n) => document.querySelectorAll("#skill-rows tr[data-source]").length === n,
      view.sources.length,
    );
    expect(await page.textContent("#skill-meta")).to.contain(`${view.horizonDays}-day horizons`);
  });

  it("writes the LP report from the devnet's journal, and it renders offline with every section", async () => {
    const d = daemon!;
    mkdirSync("test-artifacts", { recursive: true });
    const out = join(process.cwd(), "test-artifacts", "report-devnet.html");
    const r = await runKeel(["report", "--out", out], { KEEL__STATE__DIR: d.stateDir });
    expect(r.code, r.stderr).to.equal(0);
    const page = await browser!.newPage();
    const requests: string[] = [];
    page.on("request", (req) => {
      if (!req.url().startsWith("file://")) requests.push(req.url());
    });
    await page.goto(`file://${out}`);
    for (const id of [
      "summary",
      "allocation",
      "forecasts",
      "risk",
      "il",
      "depeg-oracle",
      "incidents",
      "interventions",
      "gas",
    ]) {
      expect(await page.locator(`section#${id}`).count(), id).to.equal(1);
    }
    expect(await page.locator("svg.chart").count()).to.be.greaterThan(2);
    expect(await page.textContent("#allocation")).to.contain("idle");
    await page.screenshot({ path: join("test-artifacts", "report-devnet.png"), fullPage: true });
    expect(requests, "network requests from the report").to.deep.equal([]);
  });
});
