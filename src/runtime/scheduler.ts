import cron from "node-cron";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";

export type Trigger = "cron" | "block" | "manual";

/** Fires ticks on a cron schedule or on each new block, never two at once (a busy trigger is skipped and counted). */
export interface Scheduler {
  /** Runs one tick now (skipped if one is running). Resolves when that tick ends. */
  trigger(trigger: Trigger): Promise<void>;
  /** Resolves when the scheduler stopped (shutdown or `maxTicks` reached). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
  readonly ticksRun: () => number;
}

export interface SchedulerOptions {
  readonly cron: string;
  readonly onNewBlock: boolean;
  readonly pollIntervalMs: number;
  /** Stop after this many ticks (undefined = run until shutdown). */
  readonly maxTicks?: number | undefined;
}

export interface SchedulerDeps {
  readonly tick: (trigger: Trigger) => Promise<void>;
  /** Current head; polled when ticking on new blocks. */
  readonly headBlock: () => Promise<number>;
  /** Called on every poll (e.g. the kill-switch watcher); errors are logged, not fatal. */
  readonly onPoll?: () => Promise<void>;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/** Starts the scheduler. */
export function startScheduler(opts: SchedulerOptions, deps: SchedulerDeps): Scheduler {
  const log = deps.logger.child({ module: "scheduler" });
  let running: Promise<void> | undefined;
  let count = 0;
  let stopped = false;
  let stopping: Promise<void> | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });

  // Every caller waits for the same stop, which includes the tick in flight.
  const stopAll = (): Promise<void> => {
    stopped = true;
    stopping ??= (async () => {
      await task?.stop();
      clearTimeout(pollTimer);
      await running;
      resolveDone();
    })();
    return stopping;
  };

  function trigger(kind: Trigger): Promise<void> {
    if (stopped || deps.signal.aborted) return Promise.resolve();
    if (running) {
      deps.metrics.tickSkipped.inc();
      log.debug({ trigger: kind }, "tick skipped: previous tick still running");
      return Promise.resolve();
    }
    count++;
    running = deps
      .tick(kind)
      .catch((err: Error) => log.error({ err: err.message }, "tick crashed"))
      .finally(() => {
        running = undefined;
        if (opts.maxTicks !== undefined && count >= opts.maxTicks) void stopAll();
      });
    return running;
  }

  const task = opts.onNewBlock ? undefined : cron.schedule(opts.cron, () => void trigger("cron"));

  let lastBlock = -1;
  let pollTimer: NodeJS.Timeout | undefined;
  const poll = async () => {
    try {
      await deps.onPoll?.();
      if (opts.onNewBlock) {
        const head = await deps.headBlock();
        if (head > lastBlock) {
          const first = lastBlock < 0;
          lastBlock = head;
          if (!first || count === 0) void trigger("block");
        }
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, "poll failed");
    }
    if (!stopped && !deps.signal.aborted) pollTimer = setTimeout(poll, opts.pollIntervalMs);
  };
  void poll();
  deps.signal.addEventListener("abort", () => void stopAll(), { once: true });

  return { trigger, done, stop: stopAll, ticksRun: () => count };
}
