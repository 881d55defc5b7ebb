import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { readDataset } from "../adapters/dataset/reader.ts";
import { writeFileAtomic } from "../adapters/fs/atomicFile.ts";
import { createHighsSolver } from "../adapters/highs/highsSolver.ts";
import { selectSources } from "../backtest/config.ts";
import { backtestStageOptions, STRATEGIES, type StrategyName } from "../backtest/engine.ts";
import { METRIC_KEYS } from "../backtest/metrics.ts";
import { runBacktestParallel } from "../backtest/parallel.ts";
import { loadConfig } from "../config/load.ts";
import { KeelError } from "../domain/errors.ts";
import { renderBacktestReport } from "../report/backtestReport.ts";
import { printJson, progress } from "./output.ts";

/** Options of `keel backtest` (as parsed by commander in src/main.ts). */
export interface BacktestCommandOptions {
  readonly data: string;
  readonly start: string;
  readonly end: string;
  readonly capital: number;
  readonly strategies?: string;
  readonly step?: "1h" | "1d";
  readonly config?: string;
  readonly json?: boolean;
  readonly report?: string;
}

function day(value: string, flag: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !Number.isFinite(Date.parse(`${value}T00:00:00Z`))) {
    throw new KeelError("BAD_INPUT", `${flag} must be a date YYYY-MM-DD, got "${value.slice(0, 40)}"`);
  }
  return Date.parse(`${value}T00:00:00Z`) / 1000;
}

function parseStrategies(list: string): StrategyName[] {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const bad = names.filter((n) => !(STRATEGIES as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0) {
    throw new KeelError("BAD_INPUT", `unknown strategy "${bad[0] ?? ""}"; known: ${STRATEGIES.join(", ")}`);
  }
  return [...new Set(names)] as StrategyName[];
}

/** The strategies' metrics as a tab-separated table, one row per strategy ("–" for a metric it has none of). */
function metricsTable(metrics: Awaited<ReturnType<typeof runBacktestParallel>>["metrics"]): string {
  const keys = METRIC_KEYS;
  const lines = [["strategy", ...keys].join("\t")];
  for (const [name, m] of Object.entries(metrics)) {
    lines.push([name, ...keys.map((k) => (m[k] === null ? "–" : String(m[k])))].join("\t"));
  }
  return lines.join("\n");
}

/**
 * `keel backtest`: replays keel (the live stages through runTick) and the baselines over a dataset
 * with the same cost model; prints the metrics table (or one JSON document with `--json`) and writes
 * the HTML report with `--report`.
 */
export async function backtestCommand(opts: BacktestCommandOptions): Promise<void> {
  const start = day(opts.start, "--start");
  const end = day(opts.end, "--end");
  if (end <= start) throw new KeelError("BAD_INPUT", "--end must be after --start");
  if (!Number.isFinite(opts.capital) || opts.capital <= 0)
    throw new KeelError("BAD_INPUT", "--capital must be a positive number of USD");
  const strategies = parseStrategies(opts.strategies ?? STRATEGIES.join(","));
  const stepSeconds = opts.step === "1h" ? 3_600 : 86_400;

  // The daemon's config file (and KEEL__ environment overrides), parsed by the daemon's schema.
  const loaded = loadConfig(opts.config);
  const { config } = loaded;
  const bt = config.backtest;
  const loading = progress("reading dataset", 2);
  const data = await readDataset(opts.data);
  loading.tick(2);
  loading.done();
  const selection = selectSources(data, bt);
  if (selection.pools.length === 0) throw new KeelError("BAD_INPUT", "no usable source in the dataset for this vault");

  const steps = Math.floor((end - start) / stepSeconds) + 1;
  const bar = progress("backtest", steps * strategies.length);
  const result = await runBacktestParallel(
    {
      start,
      end: end + 86_400 - stepSeconds,
      stepSeconds,
      capitalUsd: opts.capital,
      strategies,
      config,
      configHash: loaded.hash,
    },
    {
      dataDir: opts.data,
      forecaster: { ...backtestStageOptions(config).forecaster, notTrainedAfter: start },
      log: config.log,
    },
    {
      data,
      pools: selection.pools,
      solver: createHighsSolver(),
      onStep: () => bar.tick(),
    },
    new AbortController().signal,
  );
  bar.done();

  const doc = {
    start: opts.start,
    end: opts.end,
    capital_usd: opts.capital,
    strategies: result.metrics,
    step: opts.step ?? "1d",
    numeraire: bt.baseAsset,
    usd_terms: result.usdTerms,
    volatility_pct: result.volatilityPct,
    sources: selection.pools.map((p) => p.poolId),
    assumptions: {
      unreachable: selection.unreachable,
      valued_at_peg: selection.valuedAtPeg,
      excluded_no_price: selection.excludedNoPrice,
      peg_price_reads: result.pegReads,
      dataset_cleaning: data.cleaning,
    },
    keel: result.keel,
    ...(result.keelRl ? { keel_rl: result.keelRl } : {}),
  };
  if (opts.report !== undefined) {
    mkdirSync(dirname(opts.report), { recursive: true });
    writeFileAtomic(opts.report, renderBacktestReport(doc, result.runs, Date.now()));
  }
  if (opts.json) {
    printJson(doc);
    return;
  }
  process.stdout.write(`${metricsTable(result.metrics)}\n`);
  if (opts.report !== undefined) process.stdout.write(`wrote ${opts.report}\n`);
}
