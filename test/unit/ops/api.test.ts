// The read-only JSON API and the dashboard routes, served by the daemon's real HTTP server.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import pino from "pino";
import { parse as parseYaml } from "yaml";
import { memoryJournal } from "../../../src/backtest/journal.ts";
import type { DecisionRecord } from "../../../src/domain/decision.ts";
import type { SkillView } from "../../../src/domain/skill.ts";
import { createApiRoutes, MAX_DECISIONS, parseLimit } from "../../../src/observability/api.ts";
import { createDashboardRoutes, DASHBOARD_CSP } from "../../../src/observability/dashboard/routes.ts";
import { type HttpServer, startHttpServer } from "../../../src/observability/http.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { buildStatusView, type StatusView, toPendingIntentView } from "../../../src/observability/statusView.ts";
import { decision, depegStopDecision, proposalPendingDecision, SOURCE_A } from "../../support/ops-fixtures.ts";

describe("JSON API and dashboard routes", () => {
  let server: HttpServer;
  const journal = memoryJournal();
  let withListers = true;
  let skill: SkillView | undefined;

  before(async () => {
    for (let i = 1; i <= 30; i++) await journal.put(decision(i));
    const routes = [
      ...createApiRoutes({
        journal,
        status: async () =>
          buildStatusView(
            await journal.recent(50),
            { version: "0.1.0", chainId: 31337, mode: "devnet", dryRun: true, configHash: "h" },
            { intents: 1, proposals: 0 },
            Date.UTC(2026, 0, 3),
          ),
        listPendingIntents: async () => (withListers ? [{ id: "i-1", state: "sent", ageBlocks: 3 }] : []),
        skill: () => skill,
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
  });

  after(() => server.close());

  const get = async (path: string) => {
    const res = await fetch(`${server.url}${path}`);
    return {
      status: res.status,
      type: res.headers.get("content-type") ?? "",
      headers: res.headers,
      body: await res.text(),
    };
  };

  it("serves the status view", async () => {
    const r = await get("/api/v1/status");
    expect(r.status).to.equal(200);
    expect(r.type).to.contain("application/json");
    const status = JSON.parse(r.body) as StatusView;
    expect(status.chainId).to.equal(31337);
    expect(status.lastTick?.id).to.equal("d-00030");
    expect(status.pendingIntents).to.equal(1);
    expect(status.allocation.map((a) => a.sourceId)).to.include.members([SOURCE_A, "idle"]);
  });

  it("returns the last N decisions, most recent first, 20 by default and bounded", async () => {
    const dflt = JSON.parse((await get("/api/v1/decisions")).body) as { decisions: DecisionRecord[] };
    expect(dflt.decisions).to.have.length(20);
    expect(dflt.decisions[0]?.id).to.equal("d-00030");
    const five = JSON.parse((await get("/api/v1/decisions?limit=5&outcome=executed")).body) as {
      decisions: DecisionRecord[];
    };
    expect(five.decisions.every((d) => d.outcome === "executed")).to.equal(true);
    expect(five.decisions.length).to.be.at.most(5);
    for (const bad of ["0", "-1", "abc", "1e3"])
      expect((await get(`/api/v1/decisions?limit=${bad}`)).status, bad).to.equal(400);
    expect(parseLimit("100000")).to.equal(MAX_DECISIONS);
  });

  it("gives every decision its headline (most severe reason), so the dashboard shows DEPEG_STOP, not STAY", async () => {
    const own = memoryJournal();
    await own.put(decision(3));
    await own.put(depegStopDecision(4));
    const routes = createApiRoutes({ journal: own, status: async () => ({}) as StatusView });
    const call = async (path: string) => {
      const url = new URL(`http://127.0.0.1${path}`);
      const route = routes.find((r) => (typeof r.path === "string" ? r.path === url.pathname : r.path.test(path)))!;
      const match = typeof route.path === "string" ? null : url.pathname.match(route.path);
      return JSON.parse(String((await route.handler({} as never, url, match)).body));
    };
    const list = (await call("/api/v1/decisions")) as { decisions: { id: string; headline?: { code: string } }[] };
    expect(list.decisions.map((d) => [d.id, d.headline?.code])).to.deep.equal([
      ["d-00004", "DEPEG_STOP"],
      ["d-00003", undefined],
    ]);
    const one = (await call("/api/v1/decisions/d-00004")) as { headline?: { code: string; severity: string } };
    expect(one.headline).to.deep.include({ code: "DEPEG_STOP", severity: "freeze" });
  });

  it("returns a decision by id, 404 for an unknown one and 400 for a malformed one", async () => {
    const one = await get("/api/v1/decisions/d-00007");
    expect(one.status).to.equal(200);
    expect((JSON.parse(one.body) as DecisionRecord).id).to.equal("d-00007");
    expect((await get("/api/v1/decisions/d-99999")).status).to.equal(404);
    expect((await get(`/api/v1/decisions/${encodeURIComponent("<script>")}`)).status).to.equal(400);
  });

  it("returns the current forecast with the observed rates it was made against", async () => {
    const r = JSON.parse((await get("/api/v1/forecast")).body) as {
      decisionId: string;
      forecast: { sources: Record<string, unknown> };
      observedAprPct: Record<string, number>;
    };
    expect(r.decisionId).to.equal("d-00030");
    expect(Object.keys(r.forecast.sources)).to.include(SOURCE_A);
    expect(r.observedAprPct[SOURCE_A]).to.be.a("number");
  });

  it("serves the forecast skill ledger of the last tick, 404 before the first", async () => {
    skill = undefined;
    const none = await get("/api/v1/skill");
    expect(none.status).to.equal(404);
    expect(JSON.parse(none.body).error.code).to.equal("NO_SKILL");
    const scores = { n: 30, mae: 0.3, mape: 8, pinball: 0.1, belowP10: 0.1, aboveP90: 0.1, maeRatio: 0.9 };
    skill = {
      asOf: 1_700_000_000,
      horizonDays: 7,
      windowDays: 56,
      sources: [
        {
          sourceId: SOURCE_A,
          kind: "lending",
          served: "linear",
          reason: "linear: rolling MAE 0.300 over 30 realised horizons (model 0.350)",
          calibration: { scored: 30, p10Shift: 0.01, p90Shift: -0.02 },
          scores: { linear: scores, served: scores, persistence: { ...scores, mae: 0.33, maeRatio: null } },
        },
      ],
    };
    const r = await get("/api/v1/skill");
    expect(r.status).to.equal(200);
    expect(JSON.parse(r.body)).to.deep.equal(skill);
  });

  it("lists pending intents and proposals, empty when no lister is wired", async () => {
    const p = JSON.parse((await get("/api/v1/pending")).body) as { intents: unknown[]; proposals: unknown[] };
    expect(p.intents).to.have.length(1);
    expect(p.proposals).to.deep.equal([]);
    withListers = false;
    expect(JSON.parse((await get("/api/v1/intents")).body)).to.deep.equal({ intents: [] });
    expect(JSON.parse((await get("/api/v1/proposals")).body)).to.deep.equal({ proposals: [] });
    withListers = true;
  });

  it("matches docs/openapi.yaml: every route documented, every required status field present", async () => {
    const spec = parseYaml(readFileSync(new URL("../../../docs/openapi.yaml", import.meta.url), "utf8")) as {
      paths: Record<string, unknown>;
      components: { schemas: { Status: { required: string[] } } };
    };
    const routes = createApiRoutes({ journal, status: async () => ({}) as StatusView });
    const documented = Object.keys(spec.paths);
    for (const r of routes) {
      const path = typeof r.path === "string" ? r.path : "/api/v1/decisions/{id}";
      expect(documented, path).to.include(path);
    }
    const status = JSON.parse((await get("/api/v1/status")).body) as Record<string, unknown>;
    for (const field of spec.components.schemas.Status.required) expect(status, field).to.have.property(field);
  });

  it("is read-only: POST is not served", async () => {
    const res = await fetch(`${server.url}/api/v1/decisions`, { method: "POST", body: "{}" });
    expect(res.status).to.equal(404);
  });

  it("serves the dashboard page and its assets with a same-origin-only CSP", async () => {
    const page = await get("/");
    expect(page.status).to.equal(200);
    expect(page.type).to.contain("text/html");
    expect(page.headers.get("content-security-policy")).to.equal(DASHBOARD_CSP);
    expect(page.body).to.contain('src="/dashboard.js"');
    expect(page.body).to.not.match(/(src|href)="https?:/);
    const js = await get("/dashboard.js");
    expect(js.type).to.contain("javascript");
    expect(js.body).to.contain("/api/v1/status");
    expect((await get("/dashboard.css")).type).to.contain("text/css");
  });
});

describe("status view", () => {
  it("is halted when paused or when the last decision halted for a stop, not for a routine economic no", () => {
    const facts = { version: "v", chainId: 1, mode: "live" as const, dryRun: false, configHash: "h" };
    const routine = buildStatusView([decision(2)], facts, { intents: 0, proposals: 0 }, Date.UTC(2026, 0, 1, 3));
    expect(routine.halted).to.equal(false);
    expect(routine.lastReasons.map((r) => r.code)).to.deep.equal(["GAIN_BELOW_COST"]);
    const stop = {
      ...decision(2),
      haltReasons: [{ code: "DEPEG_STOP" as const, message: "USDC 0.98", severity: "halt" as const }],
    };
    const halted = buildStatusView([stop], facts, { intents: 0, proposals: 0 }, Date.UTC(2026, 0, 1, 3));
    expect(halted.halted).to.equal(true);
    expect(halted.paused).to.equal(false);
    const executed = buildStatusView([decision(3)], facts, { intents: 0, proposals: 0 }, Date.UTC(2026, 0, 1, 3));
    expect(executed.halted).to.equal(false);
    const paused = buildStatusView([decision(3)], { ...facts, paused: true }, { intents: 0, proposals: 0 }, 0);
    expect(paused.halted && paused.paused).to.equal(true);
  });

  it("headlines the most severe reason: a depeg freeze behind STAY is DEPEG_STOP, listed first, and a halt", () => {
    const facts = { version: "v", chainId: 1, mode: "live" as const, dryRun: false, configHash: "h" };
    const view = buildStatusView([depegStopDecision(2)], facts, { intents: 0, proposals: 0 }, 0);
    expect(view.headline?.code).to.equal("DEPEG_STOP");
    expect(view.headline?.severity).to.equal("freeze");
    expect(view.lastReasons[0]?.code).to.equal("DEPEG_STOP");
    expect(view.halted).to.equal(true);
    const waiting = buildStatusView([proposalPendingDecision(2)], facts, { intents: 1, proposals: 1 }, 0);
    expect(waiting.headline?.code).to.equal("PROPOSAL_PENDING");
    expect(waiting.halted).to.equal(false);
  });

  it("computes weights from base units and adds idle, with the plan's targets", () => {
    const view = buildStatusView(
      [decision(5)],
      { version: "v", chainId: 1, mode: "live", dryRun: false, configHash: "h" },
      { intents: 0, proposals: 0 },
      0,
    );
    const total = view.allocation.reduce((a, e) => a + e.weight, 0);
    expect(total).to.be.closeTo(1, 1e-5);
    const idle = view.allocation.find((a) => a.sourceId === "idle");
    expect(idle?.targetWeight).to.be.closeTo(0.1, 1e-9);
    expect(view.model?.fallbackReason).to.equal("model file missing");
  });

  it("says nothing is known before the first tick", () => {
    const view = buildStatusView(
      [],
      { version: "v", chainId: 1, mode: "devnet", dryRun: false, configHash: "h" },
      { intents: 0, proposals: 0 },
      0,
    );
    expect(view.lastTick).to.equal(null);
    expect(view.vault).to.equal(null);
    expect(view.allocation).to.deep.equal([]);
    expect(view.halted).to.equal(false);
  });

  it("maps an intent store record to the API's pending-intent view", () => {
    const view = toPendingIntentView(
      {
        id: "i-1",
        decisionId: "d-1",
        route: "bundle",
        state: "sent",
        nonce: 4,
        txs: [{ hash: "0xaa" }, { hash: "0xbb" }],
        createdAt: 5,
        targetBlock: 100,
      },
      112,
    );
    expect(view).to.deep.equal({
      id: "i-1",
      decisionId: "d-1",
      state: "sent",
      route: "bundle",
      nonce: 4,
      txHashes: ["0xaa", "0xbb"],
      createdAt: 5,
      sentBlock: 100,
      ageBlocks: 12,
    });
  });
});
