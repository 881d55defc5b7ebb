import type { ChainProvider } from "../adapters/chain/provider.ts";
import { loadArtifact } from "../adapters/ethers/artifacts.ts";
import { loadNodeErrors, type NodeErrors } from "../adapters/ethers/nodeErrors.ts";
import { type AllocatorCodec, createAllocatorCodec } from "../adapters/execution/allocatorCodec.ts";
import { createExecution, type Execution } from "../adapters/execution/wiring.ts";
import type { KeelConfig } from "../config/schema.ts";
import { createIntentGauges, intentGaugeSources } from "../observability/intentGauges.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Journal } from "../ports/journal.ts";
import { failpoint } from "../runtime/failpoint.ts";
import type { DaemonKeys } from "./daemonKeys.ts";
import { executionCoreOptions, maxFeePerGasWei } from "./executionOptions.ts";
import type { Target } from "./target.ts";

/** The daemon's execution: intents and routes, the codec and node-error translator it decodes with, its gauges. */
export interface DaemonExecution {
  readonly execution: Execution;
  readonly codec: AllocatorCodec;
  readonly errors: NodeErrors;
  /** Gas spent and stuck intents, from the intent store. */
  readonly intentGauges: { update(): Promise<void> };
}

/**
 * Opens the execution with the keeper key, and — under the process lock, before any new plan — settles every
 * unfinished intent against the chain. The intent gauges start before reconcile: what it settles counts as seen now.
 */
export async function openDaemonExecution(
  config: KeelConfig,
  target: Target,
  deps: {
    keys: DaemonKeys;
    provider: ChainProvider;
    journal: Journal;
    asset: { readonly symbol: string; readonly decimals: number };
    logger: Logger;
    metrics: Metrics;
  },
): Promise<DaemonExecution> {
  const { provider, logger, metrics } = deps;
  const codec = createAllocatorCodec(["KeelAllocator", "KeelVault"].map((n) => loadArtifact(n).abi));
  const errors = loadNodeErrors();
  const execution = await createExecution(
    {
      execution: config.execution,
      core: executionCoreOptions(config, target.allocator),
      stateDir: config.state.dir,
      allocator: target.allocator,
      vault: target.vault,
      chainId: config.chain.chainId,
      asset: deps.asset,
      maxFeePerGasWei: maxFeePerGasWei(config),
      safeProvider: target.rpcUrls[0],
    },
    { provider, keeper: deps.keys.keeper, codec, errors, logger, metrics, failpoint },
  );
  const intentGauges = createIntentGauges(
    intentGaugeSources({
      metrics,
      keeper: deps.keys.keeperAddressIfAny,
      store: execution.store,
      provider,
      journal: deps.journal,
    }),
  );
  const reconciled = await execution.reconcile();
  logger.child({ module: "app" }).info({ ...reconciled }, "intents reconciled");
  return { execution, codec, errors, intentGauges };
}
