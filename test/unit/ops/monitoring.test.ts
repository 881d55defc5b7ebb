// Alert rules, Alertmanager routing and the Grafana dashboard only use metrics keel exports.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { parse as parseYaml } from "yaml";
import { createMetrics } from "../../../src/observability/metrics.ts";

const ROOT = new URL("../../..", import.meta.url).pathname;
const RULES_DIR = join(ROOT, "monitoring/prometheus/rules");
const DASHBOARD = join(ROOT, "monitoring/grafana/dashboards/keel.json");
const ALERTMANAGER = join(ROOT, "monitoring/alertmanager/alertmanager.yml");

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function has(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

function skipNotice(ctx: Mocha.Context, tool: string): void {
  console.log(`    (skipped: ${tool} not installed; run .ci/install-deps.sh)`);
  ctx.skip();
}

/** keel_* metric names in a PromQL expression, histogram series mapped to their metric. */
function keelMetrics(expr: string): string[] {
  return [...expr.matchAll(/\bkeel_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ""));
}

/** Every .ts file under a directory, concatenated. */
function sourcesText(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n");
}

function rules(): Rule[] {
  return readdirSync(RULES_DIR)
    .filter((f) => f.endsWith(".yml"))
    .flatMap((f) =>
      (parseYaml(readFileSync(join(RULES_DIR, f), "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap(
        (g) => g.rules,
      ),
    );
}

function dashboardExprs(): string[] {
  const dash = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: { targets?: { expr: string }[] }[] };
  return dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

describe("monitoring: alert rules and dashboards", () => {
  const registered = new Set(
    createMetrics({ defaultMetrics: false })
      .registry.getMetricsAsArray()
      .map((m) => m.name),
  );

  it("every declared keel metric is set somewhere in src (no metric exported only as its default)", () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const keys = Object.keys(metrics).filter((k) => k !== "registry");
    expect(keys.length).to.be.greaterThan(25);
    const code = sourcesText(join(ROOT, "src")).replace(
      readFileSync(join(ROOT, "src/observability/metrics.ts"), "utf8"),
      "",
    );
    const unset = keys.filter((k) => !new RegExp(`\\.${k}\\??\\.(set|inc|observe)\\(`).test(code));
    expect(unset).to.deep.equal([]);
  });

  it("the operations guide lists every keel metric", () => {
    const guide = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
    expect([...registered].filter((m) => !guide.includes(`\`${m}`))).to.deep.equal([]);
  });

  it("every metric an alert rule uses exists in keel's registry", () => {
    const used = rules().flatMap((r) => keelMetrics(r.expr));
    expect(used.length).to.be.greaterThan(10);
    const missing = [...new Set(used)].filter((m) => !registered.has(m));
    expect(missing).to.deep.equal([]);
  });

  it("every metric a Grafana panel uses exists in keel's registry", () => {
    const used = dashboardExprs().flatMap(keelMetrics);
    expect(used.length).to.be.greaterThan(15);
    const missing = [...new Set(used)].filter((m) => !registered.has(m));
    expect(missing).to.deep.equal([]);
  });

  it("has the alerts operators need, each with a severity and a summary", () => {
    const all = rules();
    const names = all.map((r) => r.alert);
    for (const needed of [
      "KeelDown",
      "KeelNoRecentTick",
      "KeelHalted",
      "KeelKillSwitchPulled",
      "KeelRepeatedTickFailures",
      "KeelPendingIntentStuck",
      "KeelKeeperBalanceLow",
      "KeelOracleStale",
      "KeelModelFallback",
    ]) {
      expect(names, needed).to.include(needed);
    }
    for (const r of all) {
      expect(["critical", "warning"], `${r.alert} severity`).to.include(r.labels?.severity);
      expect(r.annotations?.summary, `${r.alert} summary`).to.be.a("string").and.not.equal("");
    }
  });

  it("the dashboard covers outcomes, reasons, latency, allocation, forecasts, risk, gas and proposals", () => {
    const exprs = dashboardExprs().join("\n");
    for (const metric of [
      "keel_ticks_total",
      "keel_halt_reasons_total",
      "keel_stage_duration_seconds_bucket",
      "keel_allocation_weight",
      "keel_forecast_apr_pct",
      "keel_source_apr_pct",
      "keel_risk_metric_pct",
      "keel_gas_spent_wei_total",
      "keel_pending_proposals",
    ]) {
      expect(exprs, metric).to.contain(metric);
    }
    const dash = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { uid: string; panels: { id: number }[] };
    expect(new Set(dash.panels.map((p) => p.id)).size, "unique panel ids").to.equal(dash.panels.length);
  });

  it("promtool accepts the rules and the Prometheus config, and the rule unit tests pass", function () {
    if (!has("promtool")) return skipNotice(this, "promtool");
    const run = (args: string[]) => spawnSync("promtool", args, { cwd: ROOT, encoding: "utf8" });
    for (const args of [
      ["check", "rules", ...readdirSync(RULES_DIR).map((f) => join(RULES_DIR, f))],
      ["check", "config", "--syntax-only", "monitoring/prometheus/prometheus.yml"],
      ["test", "rules", "monitoring/prometheus/tests/keel.rules.test.yml"],
    ]) {
      const r = run(args);
      expect(r.status, `promtool ${args.join(" ")}\n${r.stdout}${r.stderr}`).to.equal(0);
    }
  });

  it("Alertmanager routes critical alerts to PagerDuty and the rest to chat", function () {
    if (!has("amtool")) return skipNotice(this, "amtool");
    execFileSync("amtool", ["check-config", ALERTMANAGER], { stdio: "pipe" });
    const route = (labels: string[]) =>
      execFileSync("amtool", ["config", "routes", "test", `--config.file=${ALERTMANAGER}`, ...labels], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }).trim();
    expect(route(["severity=critical", "alertname=KeelKillSwitchPulled"])).to.equal("pagerduty-oncall,team-chat");
    expect(route(["severity=warning", "alertname=KeelModelFallback"])).to.equal("team-chat");
  });
});
