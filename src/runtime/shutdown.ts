import type { Logger } from "../observability/logger.ts";

/** The one shutdown path: a signal to abort work, closers run in reverse order, a grace timeout. */
export interface Shutdown {
  readonly signal: AbortSignal;
  /** Registers a closer; closers run last-registered first. */
  onClose(name: string, close: () => Promise<void> | void): void;
  /** Aborts and runs every closer once; resolves when done or when the grace period ends. */
  close(reason: string): Promise<void>;
  /** Resolves when shutdown was requested. */
  readonly requested: Promise<string>;
}

/** Creates the shutdown registry. `graceMs` bounds how long closers may take in total. */
export function createShutdown(opts: { graceMs: number }, deps: { logger: Logger }): Shutdown {
  const controller = new AbortController();
  const closers: { name: string; close: () => Promise<void> | void }[] = [];
  let closing: Promise<void> | undefined;
  let resolveRequested!: (reason: string) => void;
  const requested = new Promise<string>((r) => {
    resolveRequested = r;
  });
  const log = deps.logger.child({ module: "shutdown" });

  async function runClosers(): Promise<void> {
    for (const { name, close } of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        log.warn({ closer: name, err: (err as Error).message }, "closer failed");
      }
    }
  }

  return {
    signal: controller.signal,
    requested,
    onClose(name, close) {
      closers.push({ name, close });
    },
    close(reason) {
      if (closing) return closing;
      log.info({ reason }, "shutting down");
      controller.abort(new Error(`shutdown: ${reason}`));
      resolveRequested(reason);
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ graceMs: opts.graceMs }, "shutdown grace period over; closing anyway");
          resolve();
        }, opts.graceMs);
        timer.unref();
      });
      closing = Promise.race([runClosers(), grace]).finally(() => clearTimeout(timer));
      return closing;
    },
  };
}

/** SIGTERM/SIGINT start a graceful shutdown; a second signal forces exit. */
export function installSignalHandlers(
  shutdown: Shutdown,
  deps: { logger: Logger; exit: (code: number) => void },
): () => void {
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    if (count > 1) {
      deps.logger.warn({ signal: sig }, "second signal: forcing exit");
      deps.exit(130);
      return;
    }
    void shutdown.close(sig);
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
  return () => {
    process.off("SIGTERM", handler);
    process.off("SIGINT", handler);
  };
}
