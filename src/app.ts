import { randomBytes } from "node:crypto";
import { Contract, Wallet } from "ethers";
import PQueue from "p-queue";
import { createChainGuard } from "./adapters/chain/gate.ts";
import { chainProviderOptions } from "./adapters/chain/options.ts";
import { type ChainProvider, createChainProvider } from "./adapters/chain/provider.ts";
import { shiftedClock } from "./adapters/clock.ts";
import { ALLOCATOR_ABI } from "./adapters/ethers/abis.ts";
import { loadArtifact } from "./adapters/ethers/artifacts.ts";
import { createKeeperRoles } from "./adapters/ethers/keeperRole.ts";
import { createVaultKillSwitch, rebalanceTimes } from "./adapters/ethers/killSwitch.ts";
import { createChainMarketReader } from "./adapters/ethers/marketReader.ts";
import { loadNodeErrors } from "./adapters/ethers/nodeErrors.ts";
import { createAllocatorCodec } from "./adapters/execution/allocatorCodec.ts";
import { createGasEstimator } from "./adapters/execution/gasEstimator.ts";
import { createExecution, type Execution } from "./adapters/execution/wiring.ts";
import { createHighsSolver } from "./adapters/highs/highsSolver.ts";
import { policyTarget, vaultKeyPolicy, withPolicy } from "./adapters/signers/policies.ts";
import { createSigner } from "./adapters/signers/signer.ts";
import { resolveMonitor } from "./composition/monitor.ts";
import { createOptimizer } from "./composition/optimizer.ts";
import { type StageOptions, stageOptions } from "./composition/stageOptions.ts";
import type { LoadedConfig } from "./config/load.ts";
import { readSecret } from "./config/secrets.ts";
import type { SignerSpec } from "./config/sections/execution.ts";
import { DEVNET_NATIVE_SYMBOL, type Devnet, feedsBySymbol, startDevnet } from "./devnet/devnet.ts";
import type { DecisionRecord } from "./domain/decision.ts";
import { ConfigError, describeError, KeelError } from "./domain/errors.ts";
import type { SkillView } from "./domain/skill.ts";
import { createIntentGauges, intentGaugeSources } from "./observability/intentGauges.ts";
import type { Logger } from "./observability/logger.ts";
import type { Metrics } from "./observability/metrics.ts";
import { observeSkill } from "./observability/skillMetrics.ts";
import { createTickObserver } from "./observability/tickObserver.ts";
import { createExecuteStage } from "./pipeline/execute/execute.ts";
import { createGasCheckStage } from "./pipeline/gasCheck/gasCheck.ts";
import { createIngestStage } from "./pipeline/ingest/ingest.ts";
import { createPredictStage } from "./pipeline/predict/predict.ts";
import { createRiskGateStage } from "./pipeline/riskGate/riskGate.ts";
import { runTick } from "./pipeline/runTick.ts";
import { halt, type Stage } from "./pipeline/stage.ts";
import type { Stages } from "./pipeline/types.ts";
import type { Clock } from "./ports/clock.ts";
import type { KillSwitch } from "./ports/execution.ts";
import type { Journal } from "./ports/journal.ts";
import type { HistoryStore } from "./ports/market.ts";
import { failpoint, withStageFailpoints } from "./runtime/failpoint.ts";
import { buildForecasters } from "./runtime/forecasters.ts";
import type { HistoryFillSummary } from "./runtime/historyFill.ts";
import { buildPolicy } from "./runtime/policy.ts";
import type { Shutdown } from "./runtime/shutdown.ts";
import { claimStateDir } from "./runtime/stateDir.ts";
import { openDaemonStore, openMarketHistory } from "./runtime/store.ts";

/** Where keel acts: the contracts, the RPC endpoints and the keys, from config or from the devnet. */
export interface Target {
  readonly rpcUrls: string[];
  readonly vault: string;
  readonly allocator: string;
  /** Chainlink-compatible feeds by symbol. */
  readonly oracles: Record<string, string>;
  /** Which of them prices gas. */
  readonly nativeSymbol: string;
  readonly keeper: SignerSpec | { type: "devnet"; key: string };
  readonly guardian: SignerSpec | { type: "devnet"; key: string } | undefined;
  readonly devnet?: Devnet;
}

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

/** Resolves where to act: the embedded devnet when no RPC URL is configured, else the configured chain. */
async function resolveTarget(loaded: LoadedConfig, deps: AppDeps): Promise<Target> {
  const { config } = loaded;
  if (loaded.devnet) {
    const devnet = await startDevnet({ ...config.devnet, httpPort: 0, autoStep: true }, { logger: deps.logger });
    deps.shutdown.onClose("devnet", () => devnet.close());
    return {
      rpcUrls: [devnet.rpcUrl],
      vault: devnet.deployment.vault,
      allocator: devnet.deployment.allocator,
      oracles: feedsBySymbol(devnet.deployment.oracles),
      nativeSymbol: DEVNET_NATIVE_SYMBOL,
      keeper: { type: "devnet", key: devnet.keys.keeper },
      guardian: { type: "devnet", key: devnet.keys.guardian },
      devnet,
    };
  }
  const { vault, allocator } = config.contracts;
  if (!vault || !allocator) {
    throw new ConfigError("contracts.vault and contracts.allocator are required with an RPC URL", [
      ...(vault ? [] : [{ path: "contracts.vault", message: "required when chain.rpcUrls is set" }]),
      ...(allocator ? [] : [{ path: "contracts.allocator", message: "required when chain.rpcUrls is set" }]),
    ]);
  }
  if (!config.execution.keeper && !config.execution.dryRun && config.execution.mode === "live") {
    throw new ConfigError("execution.keeper is required in live mode unless execution.dryRun is true", [
      { path: "execution.keeper", message: "required" },
    ]);
  }
  return {
    rpcUrls: config.chain.rpcUrls.map((ref) => readSecret(ref)),
    vault,
    allocator,
    oracles: { ...config.contracts.oracles },
    nativeSymbol: config.contracts.nativePriceSymbol,
    keeper: config.execution.keeper ?? { type: "devnet", key: Wallet.createRandom().privateKey },
    guardian: config.execution.guardian,
  };
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
  // Freshness is judged on the chain's own timeline: a devnet replaying history runs in the past.
  const chainClock = target.devnet ? shiftedClock(clock, target.devnet.genesisTime * 1000 - clock.now()) : clock;

  const provider = createChainProvider(chainProviderOptions(config.chain, target.rpcUrls), {
    metrics,
    logger,
    clock: chainClock,
  });
  shutdown.onClose("provider", () => provider.close());
  try {
    await provider.verifyChain();
  } catch (err) {
    if (err instanceof KeelError && err.code === "CHAIN_ID_MISMATCH") {
      throw new ConfigError("the chain does not have the configured chain id", [
        { path: "chain.chainId", message: `${config.chain.chainId} configured, but the node serves another chain` },
      ]);
    }
    throw err;
  }
  const chainId = config.chain.chainId;

  const onKmsSign = (seconds: number) => metrics.kmsSign.observe(seconds);
  const signerFor = async (spec: Target["keeper"]) =>
    spec.type === "devnet" ? new Wallet(spec.key, provider) : createSigner(spec, provider, { onKmsSign });
  const keeper = await signerFor(target.keeper);
  const keeperAddress = await keeper.getAddress();
  // Least privilege: a keeper key that could also steer or pause the vault, or that is no keeper, does not start.
  const dryRun = opts.dryRun || config.execution.dryRun;
  // Shadow mode decides everything and signs nothing: no send, no proposal, no kill-switch pull.
  const shadow = config.execution.mode === "shadow";
  metrics.executionMode.set({ mode: config.execution.mode }, 1);
  if (shadow)
    log.warn(
      { mode: "shadow" },
      "SHADOW MODE: decide-only, nothing is signed or sent; decisions are journaled as would-have (set execution.mode: live to go live)",
    );
  const keeperRoles =
    dryRun || shadow
      ? undefined
      : createKeeperRoles({ vault: target.vault, allocator: target.allocator, keeper: keeperAddress }, { provider });
  await keeperRoles?.checkAtBoot();
  // A dry run without a configured keeper signs with a throwaway key: it has no keeper to report on.
  const keeperAddressIfAny = target.devnet || target.keeper.type !== "devnet" ? keeperAddress : undefined;
  // The guardian key signs `vault.pause()` only (default-deny signing policy; the keeper's is wired in createExecution).
  const guardianPolicy = vaultKeyPolicy("guardian", policyTarget(config.execution, { chainId, ...target }), {
    maxFeePerGasWei: BigInt(Math.round(config.execution.signingPolicy.pauseMaxFeeGwei * 1e9)),
  });
  const killSwitch: KillSwitch | undefined = target.guardian
    ? createVaultKillSwitch(
        { vault: target.vault },
        { signer: withPolicy(await signerFor(target.guardian), guardianPolicy) },
      )
    : undefined;

  const journal = store.journal;

  const queue = new PQueue({ concurrency: config.chain.readConcurrency, timeout: config.chain.requestTimeoutMs * 3 });
  const monitor = await resolveMonitor(
    config.monitor,
    { devnet: target.devnet !== undefined, allocator: target.allocator },
    { provider, q: (fn) => queue.add(fn, { throwOnTimeout: true }) },
  );
  log.info({ sources: monitor.sources.length, critical: monitor.critical }, "protocol pins loaded");
  const marketOptions = {
    chainId,
    vault: target.vault,
    keeper: keeperAddress,
    oracles: target.oracles,
    nativeSymbol: target.nativeSymbol,
    rateWindowSeconds: 86_400,
    rateLookbackBlocks: 24,
    feeHistoryBlocks: 10,
  };
  const market = await createChainMarketReader({ ...marketOptions, monitor: monitor.sources }, { provider, queue });
  // Market history: one point per source per hour, kept in the store, filled beside the ticks.
  const { history, fill: historyFill } = await openMarketHistory(
    { chainId, state: config.state, rateWindowSeconds: marketOptions.rateWindowSeconds },
    {
      store,
      provider,
      vault: target.vault,
      reader: (backfillQueue) => createChainMarketReader(marketOptions, { provider, queue: backfillQueue }),
      logger,
      signal: shutdown.signal,
    },
  );
  const allocator = new Contract(target.allocator, ALLOCATOR_ABI, provider);
  const base = stageOptions(config, { baseAsset: market.baseAsset });
  const options: StageOptions = { ...base, riskGate: { ...base.riskGate, monitor } };
  const { model, modelUnavailableReason, linear, baseline } = await buildForecasters(options.forecaster, { logger });
  metrics.modelFallback.set(model ? 0 : 1);
  const { policy, unavailableReason: policyUnavailableReason } = await buildPolicy(options.optimizer, { logger });
  let skill: SkillView | undefined;

  const baseAsset = market.baseAsset;
  const codec = createAllocatorCodec(["KeelAllocator", "KeelVault"].map((n) => loadArtifact(n).abi));
  const errors = loadNodeErrors();
  const execution = await createExecution(
    {
      execution: config.execution,
      confirmations: config.chain.confirmations,
      stateDir: config.state.dir,
      allocator: target.allocator,
      vault: target.vault,
      chainId,
      asset: baseAsset,
      maxFeePerGasWei: BigInt(Math.round(config.strategy.maxGasPriceGwei * 1e9)),
      safeProvider: target.rpcUrls[0],
    },
    { provider, keeper, codec, errors, logger, metrics, failpoint },
  );
  // Gas spent and stuck intents, from the intent store (before reconcile: what it settles counts as seen now).
  const intentGauges = createIntentGauges(
    intentGaugeSources({ metrics, keeper: keeperAddressIfAny, store: execution.store, provider, journal }),
  );
  // Under the process lock, before any new plan: settle every unfinished intent against the chain.
  const reconciled = await execution.reconcile();
  log.info({ ...reconciled }, "intents reconciled");
  const executor = execution.executor;
  const realExecute = createExecuteStage({ dryRun, shadow }, { executor, routeFor: (i) => executor.routeFor(i) });
  // Observe only (no new intents) while chain access is degraded or the head is stale or disputed.
  const guard = createChainGuard(provider);
  const execute: Stage<Parameters<typeof realExecute.run>[0], Awaited<ReturnType<typeof executor.execute>>> = {
    run: async (intent, signal) => {
      const stop = await guard.executionStops();
      return stop.length > 0 ? halt(stop) : realExecute.run(intent, signal);
    },
  };
  const plain: Stages = {
    ingest: createIngestStage(options.ingest, { market, history, clock: chainClock }),
    predict: createPredictStage(options.predict, {
      model,
      ...(modelUnavailableReason ? { modelUnavailableReason } : {}),
      ...(linear ? { linear } : {}),
      baseline,
      ledger: store.skillLedger(),
      onSkill: (view) => {
        skill = view;
        observeSkill(metrics, view);
      },
    }),
    riskGate: createRiskGateStage(options.riskGate, {
      ...(killSwitch && config.risk.pauseOnTrigger && !shadow ? { killSwitch } : {}),
      clock: chainClock,
    }),
    optimize: createOptimizer(options, {
      solver: createHighsSolver(),
      rebalanceTimes: () => rebalanceTimes(allocator, 7_200),
      policy,
      ...(policyUnavailableReason ? { policyUnavailableReason } : {}),
    }),
    gasCheck: createGasCheckStage(options.gasCheck, {
      estimator: createGasEstimator({ allocator: target.allocator, from: keeperAddress }, { provider, codec, errors }),
      rebalanceTimes: () => rebalanceTimes(allocator, 7_200),
    }),
    execute,
  };

  const stages = withStageFailpoints(plain);
  const observer = createTickObserver({
    metrics,
    logger,
    baseAsset: market.baseAsset,
    ...(keeperAddressIfAny ? { keeper: keeperAddressIfAny } : {}),
    oracleSymbols: Object.keys(target.oracles),
    monitored: monitor.sources,
  });
  const vault = new Contract(target.vault, ["function paused() view returns (bool)"], provider);

  let lastPaused: boolean | undefined;
  let stopped: KeelError | undefined;
  /** A revoked keeper role stops the daemon (it alerts; it does not retry): not a failed tick. */
  const keeperRevoked = async (): Promise<boolean> => {
    if (stopped) return true;
    if ((await keeperRoles?.stillKeeper()) !== false) return false;
    stopped = new KeelError(
      "KEEPER_ROLE_REVOKED",
      `stopping: the keeper key ${keeperAddress} no longer holds KEEPER_ROLE on the allocator ${target.allocator}`,
      { retryable: false, context: { keeper: keeperAddress, allocator: target.allocator } },
    );
    log.error({ code: stopped.code, keeper: keeperAddress }, stopped.message);
    metrics.halted.set(1);
    void shutdown.close(stopped.code);
    return true;
  };
  return {
    chainId,
    target,
    baseAsset,
    sourceLabels: {
      ...Object.fromEntries((target.devnet?.deployment.adapters ?? []).map((a) => [a.address, a.name])),
      ...config.contracts.sourceLabels,
    },
    lastPaused: () => lastPaused,
    stopReason: () => stopped,
    skill: () => skill,
    provider,
    journal,
    history,
    historyFill,
    metrics,
    execution,
    stageOptions: options,
    headBlock: () => provider.getBlockNumber(),
    async watchPause() {
      const paused = (await vault.getFunction("paused")()) as boolean;
      if (paused !== lastPaused && (lastPaused !== undefined || paused))
        log.warn({ paused }, paused ? "kill-switch pulled: vault paused" : "vault unpaused");
      lastPaused = paused;
      metrics.paused.set(paused ? 1 : 0);
      if (paused) metrics.halted.set(1);
      return paused;
    },
    async tick(trigger) {
      if (await keeperRevoked()) return undefined;
      const started = clock.now();
      const id = `${new Date(started).toISOString().replace(/[-:]/g, "").slice(0, 15)}-${randomBytes(3).toString("hex")}`;
      const controller = new AbortController();
      const onShutdown = () => controller.abort(shutdown.signal.reason);
      shutdown.signal.addEventListener("abort", onShutdown, { once: true });
      const timer = setTimeout(() => controller.abort(new Error("tick timeout")), config.schedule.tickTimeoutMs);
      try {
        metrics.pendingIntents.set(await execution.settle());
        metrics.pendingProposals.set(await execution.reviewProposals());
        const record = await runTick(
          { id, trigger, configHash: loaded.hash, chainId },
          { stages, journal, clock, observer },
          controller.signal,
        );
        observer.onDecision(record);
        return record;
      } catch (err) {
        const e = describeError(err);
        metrics.tickFailures.inc({ code: e.code });
        log.error({ decision: id, code: e.code, err: e.message, retryable: e.retryable }, "tick failed");
        const failed = await journal.get(id).catch(() => undefined);
        if (failed) observer.onDecision(failed);
        else {
          metrics.ticks.inc({ outcome: "failed" });
          metrics.halted.set(1);
        }
        return failed;
      } finally {
        clearTimeout(timer);
        shutdown.signal.removeEventListener("abort", onShutdown);
        await intentGauges
          .update()
          .catch((err: unknown) => log.warn({ err: describeError(err).message }, "intent gauges not updated"));
        try {
          store.checkpoint();
        } catch (err) {
          log.warn({ err: describeError(err).message }, "store checkpoint failed (retried after the next tick)");
        }
      }
    },
  };
}
