// Backtest wall time and throughput, and optimizer solve time. Run alone: node bench/backtest.bench.ts
// - all_strategies_2y_hourly_*: `keel backtest` of every strategy over two years of hourly steps on two
//   cores (the fast path: keel in a worker thread, one-source allocations in closed form), on a generated
//   dataset written to a temporary folder; with ../shared/data/keel-train present (or KEEL_DATA), also the
//   exact CLI command on the real data, 2023-01-01..2024-12-31, $1M, default config.
// - throughput_*: source-steps per second of one strategy, over the first BENCH_KEEL_DAYS days for keel.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHighsSolver } from "../src/adapters/highs/highsSolver.ts";
import { runStrategy } from "../src/backtest/engine.ts";
import { syntheticDataset } from "../src/backtest/synthetic.ts";
import { parseConfig } from "../src/config/load.ts";
import { createBaseline } from "../src/ml/baselines.ts";
import { createOptimizeStage } from "../src/pipeline/optimize/optimize.ts";
import type { OptimizeInput } from "../src/pipeline/types.ts";
import { datasetCsv } from "../test/support/goldenFixture.ts";
import {
  forecast,
  optimizeInput,
  optimizeOptions,
  snapshot,
  source,
  verdict,
} from "../test/support/optimizeFixtures.ts";

const DAY = 86_400;
const START = 1_672_531_200; // 2023-01-01
const DATA_DAYS = 730;
const keelDays = Number(process.env.BENCH_KEEL_DAYS ?? 14);
const REAL = process.env.KEEL_DATA ?? fileURLToPath(new URL("../../shared/data/keel-train", import.meta.url));
const solver = createHighsSolver();
const signal = new AbortController().signal;

function line(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(
    `${JSON.stringify({ bench: `backtest.${bench}`, value: Math.round(value * 100) / 100, unit, ...extra })}\n`,
  );
}

async function throughput(sources: number, strategy: "keel" | "equal", days: number): Promise<void> {
  const warmupDays = 100;
  const data = syntheticDataset({
    sources,
    start: START - warmupDays * DAY,
    days: DATA_DAYS + warmupDays + 1,
    rateStepSeconds: 3_600,
    seed: 3,
  });
  const { config, hash } = parseConfig(
    { model: { baseline: "ema" }, state: { historyDays: 60 }, strategy: { maxWeightPerSourceBps: 3_000 } },
    "bench",
  );
  const steps = days * 24;
  const t0 = performance.now();
  await runStrategy(
    strategy,
    {
      start: START,
      end: START + (steps - 1) * 3_600,
      stepSeconds: 3_600,
      capitalUsd: 10_000_000,
      strategies: [strategy],
      config,
      configHash: hash,
    },
    { data, pools: data.pools, forecasters: { model: undefined, baseline: createBaseline("ema") }, solver },
    signal,
  );
  const seconds = (performance.now() - t0) / 1000;
  const rate = (sources * steps) / seconds;
  line(`throughput_${strategy}_${sources}_sources`, rate, "source-steps/s", {
    sources,
    steps,
    step: "1h",
    seconds: Math.round(seconds * 10) / 10,
    projected_seconds_for_2y: Math.round((sources * DATA_DAYS * 24) / rate),
  });
}

function input(n: number): OptimizeInput {
  const ids = Array.from({ length: n }, (_v, i) => `s${i}`);
  const p50 = Object.fromEntries(ids.map((id, i) => [id, 2 + ((i * 7919) % 600) / 100]));
  const s = snapshot(
    ids.map((id, i) => source(id, p50[id] ?? 3, i % 3 === 0 ? 10_000 : 0)),
    1_000_000,
  );
  return optimizeInput(s, forecast(p50, 0.8), verdict(ids, 0.2));
}

async function solveTime(n: number, objective: "cvar" | "mean-variance"): Promise<void> {
  const stage = createOptimizeStage(optimizeOptions({ objective, maxWeightPerSourceBps: 2_000 }), { solver });
  const inp = input(n);
  await stage.run(inp, signal); // load the solver, warm up
  const runs = n >= 200 ? 3 : 10;
  const times: number[] = [];
  let summary = "";
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await stage.run(inp, signal);
    times.push(performance.now() - t0);
    summary = r.summary;
  }
  times.sort((a, b) => a - b);
  const method = /via ([^;]+);/.exec(summary)?.[1] ?? "stay";
  line(`optimizer_${objective}_${n}_sources`, times[Math.floor(times.length / 2)] ?? 0, "ms", {
    sources: n,
    scenarios: 200,
    method,
    runs,
  });
}

/** Wall seconds of `keel backtest … --step 1h` (every strategy) as a child process, and its result. */
function cliBacktest(dir: string, start: string, end: string, config?: string): { seconds: number; keel: unknown } {
  const args = ["src/main.ts", "backtest", "--data", dir, "--start", start, "--end", end, "--step", "1h"];
  args.push("--capital", "1000000", "--json", ...(config ? ["--config", config] : []));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`backtest failed: ${r.stderr.slice(-500)}`);
  return { seconds, keel: (JSON.parse(r.stdout) as { keel: unknown }).keel };
}

/** Every strategy over two years of generated hourly data with `sources` USDC lending pools. */
function allStrategies(sources: number): void {
  const dir = mkdtempSync(join(tmpdir(), "keel-bench-bt-"));
  try {
    const data = syntheticDataset({
      sources,
      start: START - 400 * DAY,
      days: 400 + DATA_DAYS + 1,
      rateStepSeconds: 3_600,
      seed: 3,
    });
    for (const [name, text] of Object.entries(datasetCsv(data))) writeFileSync(join(dir, name), text);
    const { seconds } = cliBacktest(dir, "2023-01-01", "2024-12-31");
    line(`all_strategies_2y_hourly_${sources}_sources`, seconds, "s", {
      sources,
      steps: DATA_DAYS * 24,
      strategies: 6,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

allStrategies(1);
allStrategies(2);
if (existsSync(join(REAL, "rates.csv"))) {
  const { seconds, keel } = cliBacktest(REAL, "2023-01-01", "2024-12-31");
  line("all_strategies_2y_hourly_keel_train", seconds, "s", {
    command:
      "keel backtest --data ../shared/data/keel-train --start 2023-01-01 --end 2024-12-31 --step 1h --capital 1000000",
    keel,
  });
}
for (const n of [10, 50, 200]) await solveTime(n, "cvar");
for (const n of [10, 50, 200]) await solveTime(n, "mean-variance");
for (const n of [10, 50]) await throughput(n, "equal", DATA_DAYS);
for (const n of [10, 50]) await throughput(n, "keel", keelDays);
