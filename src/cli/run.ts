import { join } from "node:path";
import { systemClock } from "../adapters/clock.ts";
import { STORE_FILE } from "../adapters/store/database.ts";
import { type App, createApp } from "../app.ts";
import { assertNoDevnetFallback, type LoadedConfig, loadConfig } from "../config/load.ts";
import { ConfigError, describeError } from "../domain/errors.ts";
import { type Health, startHttpServer } from "../observability/http.ts";
import type { Logger } from "../observability/logger.ts";
import { createLogger } from "../observability/logger.ts";
import { createMetrics } from "../observability/metrics.ts";
import { createDaemonRoutes } from "../observability/routes.ts";
import { failpoint } from "../runtime/failpoint.ts";
import { acquireLock } from "../runtime/lock.ts";
import { publishRuntime } from "../runtime/runtimeFile.ts";
import { startScheduler } from "../runtime/scheduler.ts";
import { createShutdown, installSignalHandlers } from "../runtime/shutdown.ts";
import { VERSION } from "../version.ts";

export interface RunOptions {
  readonly config?: string;
  readonly once?: boolean;
  readonly dryRun?: boolean;
  readonly ticks?: number;
}

/** `keel run`: load config, take the lock, build the app, serve HTTP, tick until stopped. */
export async function runCommand(opts: RunOptions): Promise<void> {
  // Installations (the Docker image) set KEEL_REQUIRE_CONFIG=1: no config there is a mistake, not a devnet demo.
  if (opts.config === undefined && process.env.KEEL_REQUIRE_CONFIG === "1") {
    throw new ConfigError("no --config given, and KEEL_REQUIRE_CONFIG=1 forbids the embedded devnet here", [
      { path: "--config", message: "required: mount the config (e.g. /etc/keel/keel.yaml) and pass --config" },
    ]);
  }
  const loaded = loadConfig(opts.config);
  assertNoDevnetFallback(loaded);
  const { config } = loaded;
  const logger = createLogger(config.log);
  const lock = acquireLock(config.state.dir);
  const shutdown = createShutdown({ graceMs: 15_000 }, { logger });
  shutdown.onClose("lock", () => lock.release());
  const removeSignals = installSignalHandlers(shutdown, { logger, exit: (code) => process.exit(code) });
  shutdown.onClose("signals", removeSignals);
  shutdown.onClose("reload", onReload(loaded, opts, logger));
  try {
    await runDaemon(loaded, opts, logger, shutdown);
  } finally {
    await shutdown.close("stopped");
  }
}

/**
 * SIGHUP (`systemctl reload keel`): re-read and validate the config file and log whether it changed.
 * The running daemon keeps the config it started with (its stores, keys and chain are built from it);
 * a changed config takes effect on restart. Returns the remover.
 */
function onReload(loaded: LoadedConfig, opts: RunOptions, logger: Logger): () => void {
  const log = logger.child({ module: "reload" });
  const handler = () => {
    try {
      const next = loadConfig(opts.config);
      assertNoDevnetFallback(next);
      if (next.hash === loaded.hash) log.info({ configHash: loaded.hash }, "SIGHUP: config unchanged");
      else
        log.warn(
          { configHash: loaded.hash, newConfigHash: next.hash },
          "SIGHUP: config changed on disk; restart keel to apply it (systemctl restart keel)",
        );
    } catch (err) {
      log.error(
        { err: describeError(err).message, issues: err instanceof ConfigError ? err.issues : [] },
        "SIGHUP: config on disk is invalid; keel keeps running with the config it started with",
      );
    }
  };
  process.on("SIGHUP", handler);
  return () => void process.off("SIGHUP", handler);
}

/**
 * Publishes the running daemon (runtime file in the state directory, removed at shutdown: what the CLI's other
 * commands find it by) and says on stderr where its metrics, dashboard and journal are.
 */
function announce(
  app: App,
  loaded: ReturnType<typeof loadConfig>,
  httpUrl: string,
  shutdown: ReturnType<typeof createShutdown>,
): void {
  const { config } = loaded;
  const unpublish = publishRuntime(config.state.dir, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    chainId: app.chainId,
    httpUrl,
    ...(app.target.devnet ? { devnetRpcUrl: app.target.devnet.rpcUrl } : {}),
    vault: app.target.vault,
    allocator: app.target.allocator,
    configHash: loaded.hash,
  });
  shutdown.onClose("runtime-file", unpublish);
  process.stderr.write(
    `keel: metrics at ${httpUrl}/metrics · dashboard at ${httpUrl}/ · journal in ${join(config.state.dir, STORE_FILE)}\n`,
  );
}

async function runDaemon(
  loaded: ReturnType<typeof loadConfig>,
  opts: RunOptions,
  logger: Logger,
  shutdown: ReturnType<typeof createShutdown>,
): Promise<void> {
  const { config } = loaded;
  const log = logger.child({ module: "run" });
  const metrics = createMetrics();
  metrics.info.set({ version: VERSION, config_hash: loaded.hash, chain_id: String(config.chain.chainId) }, 1);
  log.info(
    { config: loaded.source, configHash: loaded.hash, devnet: loaded.devnet, dryRun: opts.dryRun === true },
    "starting",
  );
  const app: App = await createApp(
    loaded,
    { dryRun: opts.dryRun === true },
    { logger, metrics, shutdown, clock: systemClock },
  );
  await failpoint("after-start");

  let lastTickAt = 0;
  const health = async (): Promise<Health> => {
    const chain = app.provider.health();
    const tickAge = lastTickAt === 0 ? null : (Date.now() - lastTickAt) / 1000;
    const tickRecent = tickAge !== null && tickAge <= config.http.readyMaxTickAgeSeconds;
    return {
      live: true,
      ready: !chain.degraded && tickRecent,
      detail: { degraded: chain.degraded, lastTickAgeSeconds: tickAge },
    };
  };
  const http = await startHttpServer(config.http, {
    registry: metrics.registry,
    health,
    routes: createDaemonRoutes({
      app,
      config,
      version: VERSION,
      dryRun: opts.dryRun === true || config.execution.dryRun,
      configHash: loaded.hash,
    }),
    logger,
  });
  shutdown.onClose("http", () => http.close());
  announce(app, loaded, http.url, shutdown);

  const tick = async (trigger: "cron" | "block" | "manual") => {
    await app.tick(trigger);
    lastTickAt = Date.now();
  };
  const maxTicks = opts.once ? 1 : opts.ticks;
  const onNewBlock = loaded.devnet ? config.devnet.tickOnNewBlock : config.schedule.onNewBlock;
  const scheduler = startScheduler(
    { cron: config.schedule.cron, onNewBlock, pollIntervalMs: config.schedule.pollIntervalMs, maxTicks },
    {
      tick,
      headBlock: app.headBlock,
      onPoll: async () => void (await app.watchPause()),
      metrics,
      logger,
      signal: shutdown.signal,
    },
  );
  shutdown.onClose("scheduler", () => scheduler.stop());
  if (opts.once || !onNewBlock) void scheduler.trigger("manual");
  await Promise.race([scheduler.done, shutdown.requested]);
  log.info({ ticks: scheduler.ticksRun() }, "stopped");
  // A stop for good (the keeper role was revoked) exits non-zero with its code, so nothing restarts it blindly.
  const stop = app.stopReason();
  if (stop) throw stop;
}
