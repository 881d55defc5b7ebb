// Tick latency of the devnet loop, per stage and in total (p50/p99), over N ticks in process.
import pino from "pino";
import { systemClock } from "../src/adapters/clock.ts";
import { createApp } from "../src/app.ts";
import { parseConfig } from "../src/config/load.ts";
import { createMetrics } from "../src/observability/metrics.ts";
import { createShutdown } from "../src/runtime/shutdown.ts";
import { tempStateDir } from "../test/support/daemon.ts";

const TICKS = Number(process.env.KEEL_BENCH_TICKS ?? 200);
const logger = pino({ level: "silent" });
const loaded = parseConfig(
  { state: { dir: tempStateDir("keel-bench-") }, devnet: { episodes: false, stepIntervalMs: 600_000 } },
  "bench",
);
const shutdown = createShutdown({ graceMs: 5_000 }, { logger });
const app = await createApp(
  loaded,
  { dryRun: false },
  { logger, metrics: createMetrics(), shutdown, clock: systemClock },
);
const devnet = app.target.devnet!;
const perStage = new Map<string, number[]>();
const totals: number[] = [];
const outcomes: Record<string, number> = {};
for (let i = 0; i < TICKS; i++) {
  await devnet.simulator.step();
  const t0 = performance.now();
  const rec = await app.tick("manual");
  totals.push(performance.now() - t0);
  if (!rec) continue;
  outcomes[rec.outcome] = (outcomes[rec.outcome] ?? 0) + 1;
  for (const s of rec.stages) {
    const list = perStage.get(s.stage) ?? [];
    list.push(s.durationMs);
    perStage.set(s.stage, list);
  }
}
await shutdown.close("bench done");

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const line = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
for (const [stage, xs] of perStage) {
  line({
    bench: `tick.stage.${stage}`,
    p50: pct(xs, 50),
    p99: pct(xs, 99),
    unit: "ms",
    samples: xs.length,
    sources: devnet.deployment.adapters.length,
  });
}
line({
  bench: "tick.total",
  p50: pct(totals, 50),
  p99: pct(totals, 99),
  unit: "ms",
  samples: totals.length,
  outcomes,
  sources: devnet.deployment.adapters.length,
});
process.exit(0);
