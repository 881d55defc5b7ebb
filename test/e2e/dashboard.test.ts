// The built-in dashboard in a real headless Chromium: it renders the daemon's state from the JSON
// API, updates after a tick, and leaves a screenshot in test-artifacts/.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import pino from "pino";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { memoryJournal } from "../../src/adapters/journal/lowdbJournal.ts";
import { createApiRoutes } from "../../src/observability/api.ts";
import { createDashboardRoutes } from "../../src/observability/dashboard/routes.ts";
import { type HttpServer, startHttpServer } from "../../src/observability/http.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { buildStatusView } from "../../src/observability/statusView.ts";
import { decision, SOURCE_A } from "../support/ops-fixtures.ts";

const CHROMIUM = "/usr/bin/chromium";

describe("dashboard in headless Chromium", function () {
  this.timeout(60_000);
  let browser: BrowserContext | undefined;
  let server: HttpServer | undefined;
  let profile = "";
  const journal = memoryJournal();
  let paused = false;
  const intents = [{ id: "d-00003", state: "sent", route: "bundle", nonce: 7, ageBlocks: 2, txHashes: [`0x${"cd".repeat(32)}`] }];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    (skipped: ${CHROMIUM} not installed; run .ci/install-deps.sh)`);
      this.skip();
    }
    for (let i = 1; i <= 3; i++) await journal.put(decision(i));
    const routes = [
      ...createApiRoutes({
        journal,
        status: async () =>
          buildStatusView(
            await journal.recent(20),
            { version: "0.1.0", chainId: 31337, mode: "devnet", dryRun: false, configHash: "cafebabe12345678", baseSymbol: "USDC", baseDecimals: 6, paused, sourceLabels: { [SOURCE_A]: "aave-usdc" } },
            { intents: intents.length, proposals: 1 },
            Date.now(),
          ),
        listPendingIntents: async () => intents,
        listPendingProposals: async () => [
          { safeTxHash: `0x${"ef".repeat(32)}`, state: "pending", nonce: 3, confirmations: 1, threshold: 2, summary: "exit aave-usdc" },
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
    profile = mkdtempSync(join(tmpdir(), "keel-chromium-"));
    // playwright-core passes --user-data-dir itself for a persistent context: a fresh profile per run.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
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
