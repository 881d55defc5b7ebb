// Soak: the devnet loop for 10 000 ticks at accelerated time (one simulated hour per tick), the daemon in
// its own process. Prints JSON lines: tick latency p50/p99 per tenth of the run, then memory and
// file-descriptor slopes (after the capped market history is full), journal size against its
// retention, and totals.
//   node bench/soak.bench.ts            (KEEL_SOAK_TICKS=10000, KEEL_SOAK_MAX_MINUTES=90 bound the run)
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startDevnet } from "../src/devnet/devnet.ts";
import { daemonConfig } from "../test/chaos/config.ts";
import { DaemonProcess } from "../test/chaos/daemonProcess.ts";
import type { ResourceReport } from "../test/chaos/worker.ts";

const TICKS = Number(process.env.KEEL_SOAK_TICKS ?? 10_000);
const MAX_MS = Number(process.env.KEEL_SOAK_MAX_MINUTES ?? 90) * 60_000;
const RETENTION_DAYS = 7;
// The in-memory market history is capped (one point per source per simulated hour); the smallest cap
// fills early, so the slopes measured after it show growth that is not the history filling up.
const HISTORY_DAYS = 60;
/** One tick per devnet step of one simulated hour; the history (one point per hour) is full after this many. */
const STEP_SECONDS = 3_600;
const HISTORY_FULL_AT_TICK = (HISTORY_DAYS * 86_400) / STEP_SECONDS;
const SAMPLE_EVERY = Math.max(1, Math.floor(TICKS / 200));
const WINDOWS = 10;

const emit = (bench: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(
    `${JSON.stringify({ bench: `soak.${bench}`, value: Math.round(value * 1000) / 1000, unit, ...extra })}\n`,
  );

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

function dirBytes(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const s = statSync(join(dir, name));
    if (s.isFile()) {
      bytes += s.size;
      files += 1;
    }
  }
  return { bytes, files };
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
    state: { journalRetentionDays: RETENTION_DAYS, historyDays: HISTORY_DAYS },
    rest: { chain: { rpcUrls: [{ env: "KEEL_CHAOS_RPC_URL" }], requestTimeoutMs: 5_000 } },
  });
  await daemon.request({ cmd: "open", ...cfg, acceleratedClock: true }, 60_000);
  const latencies: number[] = [];
  const rss: [number, number][] = [];
  const heap: [number, number][] = [];
  const fds: [number, number][] = [];
  const journal: [number, number][] = [];
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
    outcomes[report.outcome] = (outcomes[report.outcome] ?? 0) + 1;
    for (const code of report.haltCodes) haltCodes[code] = (haltCodes[code] ?? 0) + 1;
    ticks = i + 1;
    if (ticks % SAMPLE_EVERY === 0) {
      const r = await daemon.request<ResourceReport>({ cmd: "resources" });
      rss.push([ticks, r.rssBytes]);
      heap.push([ticks, r.heapUsedBytes]);
      fds.push([ticks, r.openFds]);
      journal.push([ticks, dirBytes(join(stateDir, "journal")).bytes]);
    }
    if (ticks % windowSize === 0) {
      const w = latencies.slice(ticks - windowSize, ticks).sort((a, b2) => a - b2);
      emit("tick_p99", quantile(w, 0.99), "ms", {
        window: ticks / windowSize,
        fromTick: ticks - windowSize + 1,
        toTick: ticks,
        p50: Math.round(quantile(w, 0.5) * 10) / 10,
      });
    }
  }
  const warmFrom = Math.max(HISTORY_FULL_AT_TICK, Math.floor(ticks / 10));
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
  emit("rss_slope", slope(warm(rss)) * 1000, "bytes_per_1k_ticks", {
    afterTick: warmFrom,
    firstBytes: rss[0]?.[1],
    lastBytes: rss.at(-1)?.[1],
  });
  emit("heap_slope", slope(warm(heap)) * 1000, "bytes_per_1k_ticks", {
    afterTick: warmFrom,
    firstBytes: heap[0]?.[1],
    lastBytes: heap.at(-1)?.[1],
  });
  emit("open_fds", fds.at(-1)?.[1] ?? 0, "count", {
    min: Math.min(...fds.map(([, v]) => v)),
    max: Math.max(...fds.map(([, v]) => v)),
    slopePer1kTicks: Math.round(slope(warm(fds)) * 1000 * 1000) / 1000,
  });
  const j = dirBytes(join(stateDir, "journal"));
  emit("journal_bytes", j.bytes, "bytes", {
    maxBytes: Math.max(...journal.map(([, v]) => v)),
    files: j.files,
    retentionDays: RETENTION_DAYS,
    slopePer1kTicksAfterRetention: Math.round(slope(journal.filter(([t]) => t > RETENTION_DAYS * 24 * 2)) * 1000),
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
