// The daemon under chaos, in its own process so the harness can SIGKILL it: the real composition root
// (`createApp`) behind the process lock, driven tick by tick over IPC. Started by `daemonProcess.ts`.
import type { App } from "../../src/app.ts";
import type { Shutdown } from "../../src/runtime/shutdown.ts";

/** Messages from the harness. */
export type WorkerRequest =
  | { readonly cmd: "open"; readonly raw: unknown; readonly env: Record<string, string> }
  | { readonly cmd: "tick" }
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
}

const [{ createApp }, { parseConfig }, { createMetrics }, { createShutdown }, { systemClock }, { acquireLock }, pino] =
  await Promise.all([
    import("../../src/app.ts"),
    import("../../src/config/load.ts"),
    import("../../src/observability/metrics.ts"),
    import("../../src/runtime/shutdown.ts"),
    import("../../src/runtime/clock.ts"),
    import("../../src/runtime/lock.ts"),
    import("pino"),
  ]);

const logger = pino.default({ level: process.env.KEEL_CHAOS_LOG ?? "silent" });
let app: App | undefined;
let shutdown: Shutdown | undefined;
let metrics: ReturnType<typeof createMetrics> | undefined;

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

async function handle(msg: WorkerRequest): Promise<unknown> {
  switch (msg.cmd) {
    case "open": {
      Object.assign(process.env, msg.env);
      const loaded = parseConfig(msg.raw, "chaos");
      shutdown = createShutdown({ graceMs: 2_000 }, { logger });
      const lock = acquireLock(loaded.config.state.dir);
      shutdown.onClose("lock", () => lock.release());
      metrics = createMetrics();
      app = await createApp(loaded, { dryRun: false }, { logger, metrics, shutdown, clock: systemClock });
      return { pid: process.pid };
    }
    case "tick": {
      if (!app) throw new Error("not open");
      let paused: boolean | undefined;
      try {
        paused = await app.watchPause();
      } catch {
        paused = undefined;
      }
      const rec = await app.tick("manual");
      const failed = rec?.stages.find((s) => s.status === "error");
      const report: TickReport = {
        decisionId: rec?.id,
        outcome: rec?.outcome ?? "crashed",
        haltCodes: rec?.haltReasons.map((r) => r.code) ?? [],
        failedCode: failed?.error?.code,
        actionStatus: (rec?.detail as { action?: { status?: string } } | undefined)?.action?.status,
        paused,
        degraded: app.provider.health().degraded,
        metrics: await flatMetrics(),
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
