import type { ChainProvider } from "./adapters/chain/provider.ts";
import type { Execution } from "./adapters/execution/wiring.ts";
import { openDaemonExecution } from "./composition/daemonExecution.ts";
import { openDaemonKeys } from "./composition/daemonKeys.ts";
import { openDaemonMarket } from "./composition/daemonMarket.ts";
import { buildDaemonStages } from "./composition/daemonStages.ts";
import { createDaemonTicks } from "./composition/daemonTicks.ts";
import { type StageOptions, stageOptions } from "./composition/stageOptions.ts";
import { connectTarget, resolveTarget, type Target } from "./composition/target.ts";
import type { LoadedConfig } from "./config/load.ts";
import type { DecisionRecord } from "./domain/decision.ts";
import type { KeelError } from "./domain/errors.ts";
import type { SkillView } from "./domain/skill.ts";
import type { Logger } from "./observability/logger.ts";
import type { Metrics } from "./observability/metrics.ts";
import { observeSkill } from "./observability/skillMetrics.ts";
import { createTickObserver } from "./observability/tickObserver.ts";
import type { Clock } from "./ports/clock.ts";
import type { Journal } from "./ports/journal.ts";
import type { HistoryStore } from "./ports/market.ts";
import { buildForecasters } from "./runtime/forecasters.ts";
import type { HistoryFillSummary } from "./runtime/historyFill.ts";
import { buildPolicy } from "./runtime/policy.ts";
import type { Shutdown } from "./runtime/shutdown.ts";
import { claimStateDir } from "./runtime/stateDir.ts";
import { openDaemonStore } from "./runtime/store.ts";

/** The wired daemon. */
export interface App {
  readonly chainId: number;
  readonly target: Target;
  readonly provider: ChainProvider;
  readonly journal: Journal;
  /** Market history the stages read (one point per source per hour). */
  readonly history: HistoryStore;
  /** Filling the history the store lacked at start (runs beside the ticks). */
  readonly historyFill: Promise<HistoryFillSummary>;
  readonly metrics: Metrics;
  readonly execution: Execution;
  /** The options the stages were built with (`stageOptions`, shared with the backtest). */
  readonly stageOptions: StageOptions;
  /** Runs one tick now; resolves with its decision record (undefined when it crashed before recording). */
  tick(trigger: DecisionRecord["trigger"]): Promise<DecisionRecord | undefined>;
  /** Reads the vault's pause state and updates the kill-switch gauges. */
  watchPause(): Promise<boolean>;
  readonly headBlock: () => Promise<number>;
  readonly baseAsset: { readonly symbol: string; readonly decimals: number };
  /** Human names of sources by adapter address, when known (devnet deployment). */
  readonly sourceLabels: Readonly<Record<string, string>>;
  /** The kill-switch watcher's last reading, undefined before the first. */
  lastPaused(): boolean | undefined;
  /** Why the daemon stopped acting for good (KEEPER_ROLE_REVOKED), once it did; ticks are no-ops from then on. */
  stopReason(): KeelError | undefined;
  /** The forecast skill ledger as of the last tick (undefined before the first). */
  skill(): SkillView | undefined;
}

export interface AppDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly shutdown: Shutdown;
  readonly clock: Clock;
}

/** Builds the whole daemon: the one place that constructs adapters. */
export async function createApp(loaded: LoadedConfig, opts: { dryRun: boolean }, deps: AppDeps): Promise<App> {
  const { config } = loaded;
  const { logger, metrics, shutdown, clock } = deps;
  const log = logger.child({ module: "app" });
  // Before any state in it is read: each devnet is a brand-new chain, so a devnet's own directory is
  // reset and any other refused untouched; a live start refuses a devnet's or another chain's.
  claimStateDir(config.state.dir, loaded.devnet ? { kind: "devnet" } : { kind: "live", chainId: config.chain.chainId });
  // Then the journal store: a lost or damaged store stops the start before anything else runs.
  const store = openDaemonStore(config.state, deps);
  const target = await resolveTarget(loaded, deps);
  const { provider, chainClock } = await connectTarget(loaded, target, deps);
  const chainId = config.chain.chainId;
  const keys = await openDaemonKeys(config, target, opts, { provider, metrics, log });
  const { keeperAddressIfAny } = keys;
  const journal = store.journal;

  const { monitor, market, history, historyFill } = await openDaemonMarket(config, target, {
    ...{ provider, store, keeperAddress: keys.keeperAddress },
    ...{ logger, shutdown },
  });
  const base = stageOptions(config, { baseAsset: market.baseAsset });
  const options: StageOptions = { ...base, riskGate: { ...base.riskGate, monitor } };
  const forecasters = await buildForecasters(options.forecaster, { logger });
  metrics.modelFallback.set(forecasters.model ? 0 : 1);
  const policy = await buildPolicy(options.optimizer, { logger });
  let skill: SkillView | undefined;

  const baseAsset = market.baseAsset;
  const { execution, codec, errors, intentGauges } = await openDaemonExecution(config, target, {
    ...{ keys, provider, journal, asset: baseAsset },
    ...{ logger, metrics },
  });
  const stages = buildDaemonStages(options, {
    ...{ config, target, keys, provider, market, history, chainClock, forecasters, policy, codec, errors },
    ledger: store.skillLedger(),
    executor: execution.executor,
    onSkill: (view) => {
      skill = view;
      observeSkill(metrics, view);
    },
  });
  const observer = createTickObserver({
    metrics,
    logger,
    baseAsset: market.baseAsset,
    ...(keeperAddressIfAny ? { keeper: keeperAddressIfAny } : {}),
    oracleSymbols: Object.keys(target.oracles),
    monitored: monitor.sources,
  });
  const ticks = createDaemonTicks({
    ...{ loaded, target, keys, provider, store, execution, stages, observer, intentGauges },
    ...{ metrics, shutdown, clock, log },
  });
  return {
    chainId,
    target,
    baseAsset,
    sourceLabels: {
      ...Object.fromEntries((target.devnet?.deployment.adapters ?? []).map((a) => [a.address, a.name])),
      ...config.contracts.sourceLabels,
    },
    ...ticks,
    skill: () => skill,
    provider,
    journal,
    history,
    historyFill,
    metrics,
    execution,
    stageOptions: options,
    headBlock: () => provider.getBlockNumber(),
  };
}
