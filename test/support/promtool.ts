// Runs the shipped Prometheus alert rules against scrapes of a real daemon: the scrapes become the input
// series of a `promtool test rules` file (scrape i at minute i, labelled as Prometheus labels a target).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, stringify } from "yaml";

const ROOT = new URL("../..", import.meta.url).pathname;
/** The alert rules keel ships. */
export const RULES_FILE = join(ROOT, "monitoring/prometheus/rules/keel.rules.yml");
/** Target labels Prometheus adds to every series it scrapes (docker-compose's target). */
export const TARGET = { job: "keel", instance: "keel:9464" } as const;

/** One GET /metrics, with the wall-clock time it was taken. */
export interface Scrape {
  readonly atMs: number;
  readonly text: string;
}

/** An alert rule as shipped. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** A promtool alert expectation. */
export interface AlertCheck {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
}

/** True when promtool is on PATH (.ci/install-deps.sh installs it). */
export function hasPromtool(): boolean {
  return spawnSync("sh", ["-c", "command -v promtool"]).status === 0;
}

/** Every alerting rule of the shipped rule file. */
export function shippedAlerts(): AlertRule[] {
  const doc = parseYaml(readFileSync(RULES_FILE, "utf8")) as { groups: { rules: AlertRule[] }[] };
  return doc.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+-?\d+)?$/;

/** Samples of a Prometheus text exposition, by series (`name{labels}` as written), comments skipped. */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const value = Number(m[3]);
    if (Number.isFinite(value)) out.set(`${m[1]}${m[2] ?? ""}`, value);
  }
  return out;
}

/** The samples of one metric (every label set), from a scrape's text. */
export function samplesOf(text: string, metric: string): { labels: string; value: number }[] {
  return [...parseExposition(text)]
    .filter(([series]) => series === metric || series.startsWith(`${metric}{`))
    .map(([series, value]) => ({ labels: series.slice(metric.length), value }));
}

function withTarget(series: string): string {
  const extra = `job="${TARGET.job}",instance="${TARGET.instance}"`;
  const brace = series.indexOf("{");
  if (brace < 0) return `${series}{${extra}}`;
  return series.endsWith("{}") ? `${series.slice(0, -1)}${extra}}` : `${series.slice(0, -1)},${extra}}`;
}

/** Wall-clock timestamps, shifted onto promtool's clock so that scrape i happens at minute i. */
const TIMESTAMP = /^(keel_last_tick_timestamp_seconds|process_start_time_seconds)(\{|$)/;

/**
 * The input series of a promtool test: scrape i at minute i with the target's labels, plus `up` = 1 for
 * each scrape (Prometheus records it for every successful scrape); a series missing from a scrape is `_`;
 * the last scrape is held for `holdMinutes` more (the daemon stays as last seen and ticks no more).
 */
export function inputSeries(scrapes: readonly Scrape[], holdMinutes: number): { series: string; values: string }[] {
  const parsed = scrapes.map((s) => parseExposition(s.text));
  const names = new Set(parsed.flatMap((p) => [...p.keys()]));
  const rows = [...names].map((series) => {
    const values = parsed.map((p, i) => {
      const v = p.get(series);
      if (v === undefined) return "_";
      return String(TIMESTAMP.test(series) && v > 0 ? v - (scrapes[i]?.atMs ?? 0) / 1000 + i * 60 : v);
    });
    const last = values.at(-1) ?? "_";
    return { series: withTarget(series), values: [...values, ...(last === "_" ? [] : [`${last}x${holdMinutes}`])] };
  });
  rows.push({ series: withTarget("up"), values: [...scrapes.map(() => "1"), `1x${holdMinutes}`] });
  return rows.map((r) => ({ series: r.series, values: r.values.join(" ") }));
}

/** The alert a rule raises for these labels, its annotations rendered (`{{ $labels.x }}` only). */
export function firing(rule: AlertRule, labels: Record<string, string> = {}): AlertCheck["exp_alerts"][number] {
  const render = (t: string) => t.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_m, k: string) => labels[k] ?? "");
  const annotations = Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, render(v)]));
  if (Object.values(annotations).some((v) => v.includes("{{")))
    throw new Error(`${rule.alert}: annotations use more than $labels; give them explicitly`);
  return { exp_labels: { ...rule.labels, ...labels }, exp_annotations: annotations };
}

/** Writes the promtool test file (kept in test-artifacts/ for reading) and runs it against the shipped rules. */
export function runRuleTest(
  name: string,
  groups: { name: string; scrapes: readonly Scrape[]; holdMinutes: number; alerts: AlertCheck[] }[],
): { status: number | null; output: string; file: string } {
  const dir = join(ROOT, "test-artifacts");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.promtool.yml`);
  const doc = {
    rule_files: [RULES_FILE],
    evaluation_interval: "1m",
    tests: groups.map((g) => ({
      name: g.name,
      interval: "1m",
      input_series: inputSeries(g.scrapes, g.holdMinutes),
      alert_rule_test: g.alerts,
    })),
  };
  writeFileSync(file, `# Generated by ${name} from real scrapes of keel's /metrics.\n${stringify(doc)}`);
  const r = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}`, file };
}
