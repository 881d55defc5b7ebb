import type { Logger } from "pino";
import type { AttemptError } from "./errors.ts";
import type { ChainHealth, ChainMetrics, RpcResultLabel } from "./types.ts";
import { methodLabel } from "./validate.ts";

/**
 * Counts attempts into the request metric and runs degraded mode: on after `degradedAfterFailures`
 * consecutive failed attempts, off again after `recoverAfterSuccesses` consecutive successes.
 */
export class HealthTracker {
  readonly #opts: { degradedAfterFailures: number; recoverAfterSuccesses: number };
  readonly #metrics: ChainMetrics | undefined;
  readonly #logger: Logger | undefined;
  #failures = 0;
  #successes = 0;
  #degraded = false;
  #lastError: string | undefined;

  constructor(
    opts: { degradedAfterFailures: number; recoverAfterSuccesses: number },
    deps: { metrics?: ChainMetrics | undefined; logger?: Logger | undefined },
  ) {
    this.#opts = opts;
    this.#metrics = deps.metrics;
    this.#logger = deps.logger;
    this.#metrics?.rpcDegraded.set(0);
  }

  /** The current health (the last error is already redacted). */
  get health(): ChainHealth {
    return {
      degraded: this.#degraded,
      consecutiveFailures: this.#failures,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  /** An attempt the node answered (with a result or a final JSON-RPC error). */
  ok(method: string, result: RpcResultLabel): void {
    this.#metrics?.rpcRequests.inc({ method: methodLabel(method), result });
    this.#failures = 0;
    this.#successes += 1;
    if (this.#degraded && this.#successes >= this.#opts.recoverAfterSuccesses) {
      this.#degraded = false;
      this.#metrics?.rpcDegraded.set(0);
      this.#logger?.info({ successes: this.#successes }, "rpc recovered from degraded mode");
    }
  }

  /** A failed attempt (timeout, transport error, invalid answer, no endpoint available). */
  failed(method: string, err: AttemptError, endpoint?: string): void {
    this.#metrics?.rpcRequests.inc({ method: methodLabel(method), result: err.result });
    this.#failures += 1;
    this.#successes = 0;
    this.#lastError = err.message;
    this.#logger?.debug({ endpoint, method, result: err.result, err: err.message }, "rpc attempt failed");
    if (!this.#degraded && this.#failures >= this.#opts.degradedAfterFailures) {
      this.#degraded = true;
      this.#metrics?.rpcDegraded.set(1);
      this.#logger?.error({ failures: this.#failures, err: err.message }, "rpc degraded: observe only, no new intents");
    }
  }
}
