import type { KeelConfig } from "../config/schema.ts";
import type { ExecutionCoreOptions } from "../execution/execution.ts";

/** What of the config the execution core is built from. */
export interface ExecutionConfig {
  readonly execution: KeelConfig["execution"];
  readonly chain: Pick<KeelConfig["chain"], "confirmations">;
  readonly strategy: Pick<KeelConfig["strategy"], "maxGasPriceGwei">;
}

/** `strategy.maxGasPriceGwei` in wei: the fee cap of every send and of re-pricing a stuck one. */
export function maxFeePerGasWei(config: Pick<ExecutionConfig, "strategy">): bigint {
  return BigInt(Math.round(config.strategy.maxGasPriceGwei * 1e9));
}

/** Whether the configured routing sends anything by the bundle route. */
function usesBundle(cfg: KeelConfig["execution"]): boolean {
  return cfg.route === "bundle" || (cfg.route === "auto" && cfg.inBoundsRoute === "bundle");
}

/**
 * The execution core's options from the config: routing, confirmations, gas limit buffer, receipt wait,
 * replacement of stuck transactions and, when the routing uses it, the bundle route. The daemon and every CLI
 * command that sends build the core with these; the backtest with `backtestExecutionOptions`.
 */
export function executionCoreOptions(config: ExecutionConfig, allocator: string): ExecutionCoreOptions {
  const cfg = config.execution;
  return {
    allocator,
    routing: { route: cfg.route, inBoundsRoute: cfg.inBoundsRoute },
    confirmations: config.chain.confirmations,
    gasLimitBufferBps: cfg.gasLimitBufferBps,
    receiptTimeoutMs: cfg.receiptTimeoutMs,
    replace: { stuckAfterMs: cfg.receiptTimeoutMs, bumpBps: 1_250, maxFeePerGasWei: maxFeePerGasWei(config) },
    adoptChainHistory: cfg.adoptChainHistory,
    settleTimeoutMs: cfg.receiptTimeoutMs,
    ...(usesBundle(cfg)
      ? {
          bundle: {
            blocks: cfg.bundle.blocks,
            priorityBumpBps: cfg.bundle.priorityBumpBps,
            maxPriorityFeePerGasWei: BigInt(Math.round(cfg.bundle.maxPriorityFeeGwei * 1e9)),
            allowPublicFallback: cfg.bundle.allowPublicFallback,
            blockWaitMs: cfg.bundle.blockWaitMs,
          },
        }
      : {}),
  };
}

/**
 * The backtest's execution core options: the daemon's (`executionCoreOptions`) on the direct route — the
 * simulated chain has no bundle relay and no Safe, so every intent goes direct whatever `execution.route` says.
 */
export function backtestExecutionOptions(config: ExecutionConfig, allocator: string): ExecutionCoreOptions {
  const { bundle: _bundle, ...core } = executionCoreOptions(config, allocator);
  return { ...core, routing: { route: "direct", inBoundsRoute: "direct" } };
}
