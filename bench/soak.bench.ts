// Soak: the devnet loop at the default cron cadence (one tick per 30 simulated seconds) for a simulated
// week (20 160 ticks) at accelerated time, the daemon in its own process. Prints JSON lines: tick and
// journal-append latency p50/p99 per tenth of the run with that window's memory, then memory and
// file-descriptor slopes (memory sampled before and after a low-memory collection), the
// store's size against the journal retention, and totals.
//   node bench/soak.bench.ts   (KEEL_SOAK_TICKS=20160, KEEL_SOAK_STEP_SECONDS=30, KEEL_SOAK_MAX_MINUTES=120)
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startDevnet } from "../src/devnet/devnet.ts";
import { daemonConfig } from "../test/chaos/config.ts";
import { DaemonProcess } from "../test/chaos/daemonProcess.ts";
import type { ResourceReport } from "../test/chaos/worker.ts";

/** One tick per devnet step of this many simulated seconds (the default `schedule.cron` is every 30 s). */
const STEP_SECONDS = Number(process.env.KEEL_SOAK_STEP_SECONDS ?? 30);
const TICKS = Number(process.env.KEEL_SOAK_TICKS ?? (7 * 86_400) / STEP_SECONDS);
const MAX_MS = Number(process.env.KEEL_SOAK_MAX_MINUTES ?? 120) * 60_000;
// Short enough that the journal reaches its retention inside a simulated week, so the store's size
// must level off (deleted rows' pages are reused) rather than grow with every tick.
const RETENTION_DAYS = Number(process.env.KEEL_SOAK_RETENTION_DAYS ?? 2);
// The market history keeps one point per source per simulated hour for 60 days (the smallest cap);
// at a 30 s cadence it grows by one point per series every 120 ticks and is never full in a week.
const HISTORY_DAYS = 60;
const HISTORY_FULL_AT_TICK = (HISTORY_DAYS * 86_400) / STEP_SECONDS;
const STORE_FILES = ["keel.db", "keel.db-wal", "keel.db-shm"];
const SAMPLE_EVERY = Math.max(1, Math.floor(TICKS / 200));
const WINDOWS = 10;

const emit = (bench: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(
    `${JSON.stringify({ bench: `soak.${bench}`, value: Math.round(value * 1000) / 1000, unit, ...extra })}\n`,
  );

const mb = (bytes: number | undefined) => (bytes === undefined ? null : Math.round(bytes / 1e5) / 10);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** Least-squares slope of y over x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** Bytes of the store (keel.db and its WAL and shared-memory files). */
function storeBytes(dir: string): number {
  return STORE_FILES.map((f) => join(dir, f))
    .filter((f) => existsSync(f))
    .reduce((a, f) => a + statSync(f).size, 0);
}

const started = performance.now();
const devnet = await startDevnet(
  {
    seed: 7,
    stepSeconds: STEP_SECONDS,
    stepIntervalMs: 1_000,
    initialDepositUnits: 1_000_000,
    httpPort: 0,
    episodes: true,
    autoStep: false,
  },
  { logger: pino({ level: "silent" }) },
);
const stateDir = mkdtempSync(join(tmpdir(), "keel-soak-"));
const daemon = new DaemonProcess();
try {
  await daemon.started;
  const cfg = daemonConfig(devnet, devnet.rpcUrl, stateDir, {
    state: { journalRetentionDays: RETENTION_DAYS, historyDays: HISTORY_DAYS, backfill: { days: 0 } },
    rest: { chain: { rpcUrls: [{ env: "KEEL_CHAOS_RPC_URL" }], requestTimeoutMs: 5_000 } },
  });
  await daemon.request({ cmd: "open", ...cfg, acceleratedClock: true }, 60_000);
  const latencies: number[] = [];
  /** Per journal write: the tick's total write time over its writes (1-2 per tick). */
  const appends: number[] = [];
  const appendWindows: number[][] = [];
  /** Every resources sample with its tick and the store's size then; each series below is read from these. */
  const samples: { tick: number; storeBytes: number; r: ResourceReport }[] = [];
  const series = (value: (s: (typeof samples)[number]) => number): [number, number][] =>
    samples.map((s) => [s.tick, value(s)]);
  const outcomes: Record<string, number> = {};
  const haltCodes: Record<string, number> = {};
  const windowSize = Math.max(1, Math.floor(TICKS / WINDOWS));
  const firstTs = (await devnet.chain.provider.request({
    method: "eth_getBlockByNumber",
    params: ["latest", false],
  })) as { timestamp: string };
  let lastTs = Number(BigInt(firstTs.timestamp));
  let ticks = 0;
  for (let i = 0; i < TICKS && performance.now() - started < MAX_MS; i++) {
    await devnet.simulator.step();
    const b = (await devnet.chain.provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
      timestamp: string;
    };
    lastTs = Number(BigInt(b.timestamp));
    const report = await daemon.tick(120_000, lastTs * 1000);
    latencies.push(report.tickMs);
    if (report.journalWrites > 0) appends.push(report.journalWriteMs / report.journalWrites);
    outcomes[report.outcome] = (outcomes[report.outcome] ?? 0) + 1;
    for (const code of report.haltCodes) haltCodes[code] = (haltCodes[code] ?? 0) + 1;
    ticks = i + 1;
    if (ticks % SAMPLE_EVERY === 0) {
      const r = await daemon.request<ResourceReport>({ cmd: "resources" });
      samples.push({ tick: ticks, storeBytes: storeBytes(stateDir), r });
    }
    if (ticks % windowSize === 0) {
      const w = latencies.slice(ticks - windowSize, ticks).sort((a, b2) => a - b2);
      const last = samples.at(-1)?.r;
      emit("tick_p99", quantile(w, 0.99), "ms", {
        window: ticks / windowSize,
        fromTick: ticks - windowSize + 1,
        toTick: ticks,
        p50: Math.round(quantile(w, 0.5) * 10) / 10,
        // The last memory sample of the window, in MB: whether RSS levels off shows window by window.
        rssMB: mb(last?.rssBytes),
        retainedRssMB: mb(last?.retainedRssBytes),
        anonMB: mb(last?.anonBytes),
        heapMB: mb(last?.heapUsedBytes),
        heapCommittedMB: mb(last?.heapCommittedBytes),
        heapSpacesMB: Object.fromEntries(Object.entries(last?.heapSpaces ?? {}).map(([k, v]) => [k, mb(v)])),
        externalMB: mb(last?.externalBytes),
      });
      const a = appends.splice(0).sort((x, y) => x - y);
      appendWindows.push(a);
      emit("journal_append_p99", quantile(a, 0.99), "ms", {
        window: ticks / windowSize,
        p50: Math.round(quantile(a, 0.5) * 1000) / 1000,
        writes: a.length,
      });
    }
  }
  // After the history cap is full when the run reaches it; else after the first tenth (the history
  // then still grows by one small point per series per simulated hour: ~170 per series in a week).
  const historyFull = HISTORY_FULL_AT_TICK < ticks * 0.8;
  const warmFrom = historyFull ? Math.max(HISTORY_FULL_AT_TICK, Math.floor(ticks / 10)) : Math.floor(ticks / 10);
  const warm = (xs: [number, number][]) => xs.filter(([t]) => t > warmFrom);
  const windowsP99 = Array.from({ length: Math.floor(ticks / windowSize) }, (_, k) =>
    quantile(
      latencies.slice(k * windowSize, (k + 1) * windowSize).sort((a, b2) => a - b2),
      0.99,
    ),
  );
  emit(
    "tick_p99_drift",
    windowsP99.length > 1 ? (windowsP99.at(-1) ?? 0) / (windowsP99[0] || 1) : 1,
    "ratio_last_to_first_window",
  );
  // RSS as the ticks leave it (back-to-back ticks: V8 keeps what its last collections left committed), RSS
  // after a low-memory collection (what the daemon holds: a leak shows here), the live heap, what V8
  // committed, its external memory and resident anonymous memory (rising with the committed heap flat:
  // native allocations — onnxruntime, SQLite, malloc arenas).
  for (const [name, xs] of [
    ["rss", series(({ r }) => r.rssBytes)],
    ["retained_rss", series(({ r }) => r.retainedRssBytes)],
    ["heap", series(({ r }) => r.heapUsedBytes)],
    ["heap_committed", series(({ r }) => r.heapCommittedBytes)],
    ["external", series(({ r }) => r.externalBytes)],
    ["anon", series(({ r }) => r.anonBytes)],
  ] as const) {
    emit(`${name}_slope`, slope(warm(xs)) * 1000, "bytes_per_1k_ticks", {
      afterTick: warmFrom,
      historyFull,
      firstBytes: xs[0]?.[1],
      lastBytes: xs.at(-1)?.[1],
    });
  }
  const fds = series(({ r }) => r.openFds);
  emit("open_fds", fds.at(-1)?.[1] ?? 0, "count", {
    min: Math.min(...fds.map(([, v]) => v)),
    max: Math.max(...fds.map(([, v]) => v)),
    slopePer1kTicks: Math.round(slope(warm(fds)) * 1000 * 1000) / 1000,
  });
  const retentionTick = (RETENTION_DAYS * 86_400) / STEP_SECONDS;
  const store = series((s) => s.storeBytes);
  const p99s = appendWindows.map((w) => quantile(w, 0.99));
  emit(
    "journal_append_p99_drift",
    p99s.length > 1 ? (p99s.at(-1) ?? 0) / (p99s[0] || 1) : 1,
    "ratio_last_to_first_window",
  );
  emit("store_bytes", storeBytes(stateDir), "bytes", {
    maxBytes: Math.max(...store.map(([, v]) => v)),
    retentionDays: RETENTION_DAYS,
    retentionReachedAtTick: retentionTick,
    // After the retention (plus a margin for the hourly prune), the journal only replaces what it deletes.
    slopePer1kTicksAfterRetention:
      ticks > retentionTick * 1.2 ? Math.round(slope(store.filter(([t]) => t > retentionTick * 1.2)) * 1000) : null,
  });
  emit("ticks", ticks, "count", {
    simulatedDays: Math.round(((lastTs - Number(BigInt(firstTs.timestamp))) / 86_400) * 10) / 10,
    wallSeconds: Math.round((performance.now() - started) / 1000),
    outcomes,
    haltCodes,
    p99Ms:
      Math.round(
        quantile(
          [...latencies].sort((a, b2) => a - b2),
          0.99,
        ) * 10,
      ) / 10,
  });
} finally {
  await daemon.stop();
  await devnet.close();
  rmSync(stateDir, { recursive: true, force: true });
}
