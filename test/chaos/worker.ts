// The daemon under chaos, in its own process so the harness can SIGKILL it: the real composition root
// (`createApp`) behind the process lock, driven tick by tick over IPC. Started by `daemonProcess.ts`.
import { readdirSync, readFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { getHeapSpaceStatistics } from "node:v8";
import type { App } from "../../src/app.ts";
import type { Shutdown } from "../../src/runtime/shutdown.ts";

/** Messages from the harness. */
export type WorkerRequest =
  | {
      readonly cmd: "open";
      readonly raw: unknown;
      readonly env: Record<string, string>;
      readonly acceleratedClock?: boolean;
    }
  | { readonly cmd: "tick"; readonly nowMs?: number }
  | { readonly cmd: "resources" }
  | { readonly cmd: "close" };

/** What one tick looked like from outside. */
export interface TickReport {
  readonly decisionId: string | undefined;
  readonly outcome: string;
  readonly haltCodes: string[];
  readonly failedCode: string | undefined;
  readonly actionStatus: string | undefined;
  readonly paused: boolean | undefined;
  readonly degraded: boolean;
  /** Flattened `name{labels}` → value of every keel_ counter and gauge. */
  readonly metrics: Record<string, number>;
  /** Wall time of `app.tick` in this process. */
  readonly tickMs: number;
  /** The code the daemon stopped for good with (KEEPER_ROLE_REVOKED), when it did. */
  readonly stopped?: string;
  /** Durable journal writes during the tick: how many, and their total time (keel_journal_write_seconds). */
  readonly journalWrites: number;
  readonly journalWriteMs: number;
}

/** The daemon process's resources (soak). */
export interface ResourceReport {
  /** RSS as the last tick left it (before the collection below). */
  readonly rssBytes: number;
  /** RSS after a low-memory collection: what the process holds once V8 gives back what it does not need. */
  readonly retainedRssBytes: number;
  /** The live heap (after that collection). */
  readonly heapUsedBytes: number;
  /** What V8 has committed for its heap after that collection. */
  readonly heapCommittedBytes: number;
  /** Committed bytes per V8 heap space that has any (new_space, old_space, code_space …). */
  readonly heapSpaces: Readonly<Record<string, number>>;
  /** Memory V8 accounts for outside its heap (Buffers, typed arrays, onnxruntime tensors' backing stores). */
  readonly externalBytes: number;
  /** Resident anonymous memory (/proc/self/smaps_rollup): the heaps of V8 and of native code. */
  readonly anonBytes: number;
  readonly openFds: number;
}

/** An inspector session into this process, for the low-memory collection before a resources sample (soak only). */
let inspector: Session | undefined;

/** A field of /proc/self/smaps_rollup in bytes (0 where the kernel has none). */
function smapsRollup(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/smaps_rollup", "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

const [{ createApp }, { parseConfig }, { createMetrics }, { createShutdown }, { systemClock }, { acquireLock }, pino] =
  await Promise.all([
    import("../../src/app.ts"),
    import("../../src/config/load.ts"),
    import("../../src/observability/metrics.ts"),
    import("../../src/runtime/shutdown.ts"),
    import("../../src/adapters/clock.ts"),
    import("../../src/runtime/lock.ts"),
    import("pino"),
  ]);

const logger = pino.default({ level: process.env.KEEL_CHAOS_LOG ?? "silent" });
let app: App | undefined;
let shutdown: Shutdown | undefined;
let metrics: ReturnType<typeof createMetrics> | undefined;
// Accelerated time (soak): the harness sends the simulated time with each tick; wall time runs on from there.
let simBase: { simMs: number; at: number } | undefined;
const clock = {
  now: () => (simBase ? simBase.simMs + (performance.now() - simBase.at) : Date.now()),
  sleep: (ms: number, signal?: AbortSignal) => systemClock.sleep(ms, signal),
};

async function flatMetrics(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of await metrics!.registry.getMetricsAsJSON()) {
    if (!m.name.startsWith("keel_") || String(m.type) === "histogram") continue;
    for (const v of m.values) {
      const labels = Object.entries(v.labels ?? {})
        .map(([k, x]) => `${k}=${x}`)
        .join(",");
      out[`${m.name}{${labels}}`] = v.value;
    }
  }
  return out;
}

/** Count and total seconds of the journal's durable writes so far. */
async function journalWrites(): Promise<{ count: number; sum: number }> {
  const { values } = await metrics!.journalWrite.get();
  const value = (suffix: string) =>
    values.find((v) => v.metricName === `keel_journal_write_seconds${suffix}`)?.value ?? 0;
  return { count: value("_count"), sum: value("_sum") };
}

async function handle(msg: WorkerRequest): Promise<unknown> {
  switch (msg.cmd) {
    case "open": {
      Object.assign(process.env, msg.env);
      const loaded = parseConfig(msg.raw, "chaos");
      shutdown = createShutdown({ graceMs: 2_000 }, { logger });
      const lock = acquireLock(loaded.config.state.dir);
      shutdown.onClose("lock", () => lock.release());
      metrics = createMetrics();
      if (msg.acceleratedClock) simBase = { simMs: Date.now(), at: performance.now() };
      app = await createApp(loaded, { dryRun: false }, { logger, metrics, shutdown, clock });
      return { pid: process.pid };
    }
    case "tick": {
      if (!app) throw new Error("not open");
      if (simBase && msg.nowMs !== undefined) simBase = { simMs: msg.nowMs, at: performance.now() };
      let paused: boolean | undefined;
      try {
        paused = await app.watchPause();
      } catch {
        paused = undefined;
      }
      const writesBefore = await journalWrites();
      const t0 = performance.now();
      const rec = await app.tick("manual");
      const tickMs = performance.now() - t0;
      const stop = app.stopReason();
      const writesAfter = await journalWrites();
      const failed = rec?.stages.find((s) => s.status === "error");
      const report: TickReport = {
        decisionId: rec?.id,
        outcome: rec?.outcome ?? (stop ? "stopped" : "crashed"),
        haltCodes: rec?.haltReasons.map((r) => r.code) ?? [],
        failedCode: failed?.error?.code,
        actionStatus: (rec?.detail as { action?: { status?: string } } | undefined)?.action?.status,
        paused,
        degraded: app.provider.health().degraded,
        metrics: await flatMetrics(),
        tickMs,
        ...(stop ? { stopped: stop.code } : {}),
        journalWrites: writesAfter.count - writesBefore.count,
        journalWriteMs: (writesAfter.sum - writesBefore.sum) * 1000,
      };
      return report;
    }
    case "resources": {
      // RSS as the ticks left it; then a low-memory collection (what V8 runs when the system is short of
      // memory: a full collection that also gives back free pages and shrinks the young generation), after
      // which RSS and the heap are what the process needs, not what V8 happened to keep.
      const held = process.memoryUsage().rss;
      if (!inspector) {
        inspector = new Session();
        inspector.connect();
      }
      await inspector.post("HeapProfiler.collectGarbage");
      const mem = process.memoryUsage();
      const report: ResourceReport = {
        rssBytes: held,
        retainedRssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
        heapCommittedBytes: mem.heapTotal,
        heapSpaces: Object.fromEntries(
          getHeapSpaceStatistics()
            .filter((sp) => sp.space_size > 0)
            .map((sp) => [sp.space_name, sp.space_size]),
        ),
        externalBytes: mem.external,
        anonBytes: smapsRollup("Anonymous"),
        openFds: readdirSync("/proc/self/fd").length,
      };
      return report;
    }
    case "close": {
      await shutdown?.close("chaos sequence done");
      app = undefined;
      return {};
    }
  }
}

let queue: Promise<unknown> = Promise.resolve();
process.on("message", (raw) => {
  const { id, req } = raw as { id: number; req: WorkerRequest };
  queue = queue.then(async () => {
    try {
      process.send?.({ id, ok: true, value: await handle(req) });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      process.send?.({ id, ok: false, error: `${e.code ?? "ERROR"}: ${e.message ?? String(err)}` });
    }
  });
});
process.on("disconnect", () => process.exit(0));
process.send?.({ ready: true });
