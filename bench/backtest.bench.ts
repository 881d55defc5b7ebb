// Backtest throughput (source-steps per second) over two years of generated hourly data, and optimizer
// solve time. Run alone: node bench/backtest.bench.ts
// The full keel pipeline (predict → riskGate → HiGHS CVaR → gasCheck every hour) is replayed over the
// first BENCH_KEEL_DAYS days of the two years (default 14; 730 for the whole span, which takes long) and
// the `equal` baseline over all of it, so the per-step cost of the replay itself is visible too.
import { createHighsSolver } from "../src/adapters/highs/highsSolver.ts";
import { runStrategy } from "../src/backtest/engine.ts";
import { syntheticDataset } from "../src/backtest/synthetic.ts";
import { parseConfig } from "../src/config/load.ts";
import { createBaseline } from "../src/ml/baselines.ts";
import { createOptimizeStage } from "../src/pipeline/optimize/optimize.ts";
import type { OptimizeInput } from "../src/pipeline/types.ts";
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

for (const n of [10, 50, 200]) await solveTime(n, "cvar");
for (const n of [10, 50, 200]) await solveTime(n, "mean-variance");
for (const n of [10, 50]) await throughput(n, "equal", DATA_DAYS);
for (const n of [10, 50]) await throughput(n, "keel", keelDays);
