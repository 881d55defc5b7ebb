import { randomBytes } from "node:crypto";
import type { ChainProvider } from "../adapters/chain/provider.ts";
import { KeelVaultAbi } from "../adapters/ethers/abi/generated.ts";
import { read, typedContract } from "../adapters/ethers/typedContract.ts";
import type { Execution } from "../adapters/execution/wiring.ts";
import type { KeelStore } from "../adapters/store/store.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { DecisionRecord } from "../domain/decision.ts";
import { describeError, KeelError } from "../domain/errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { createTickObserver } from "../observability/tickObserver.ts";
import { runTick } from "../pipeline/runTick.ts";
import type { Stages } from "../pipeline/types.ts";
import type { Clock } from "../ports/clock.ts";
import type { Shutdown } from "../runtime/shutdown.ts";
import type { DaemonKeys } from "./daemonKeys.ts";
import type { Target } from "./target.ts";

/** What the daemon's ticks run on. */
export interface DaemonTickDeps {
  readonly loaded: LoadedConfig;
  readonly target: Target;
  readonly keys: DaemonKeys;
  readonly provider: ChainProvider;
  readonly store: KeelStore;
  readonly execution: Execution;
  readonly stages: Stages;
  readonly observer: ReturnType<typeof createTickObserver>;
  readonly intentGauges: { update(): Promise<void> };
  readonly metrics: Metrics;
  readonly shutdown: Shutdown;
  readonly clock: Clock;
  readonly log: Logger;
}

/** The daemon's ticks and its kill-switch watch, with the state they leave (last pause reading, why it stopped). */
export interface DaemonTicks {
  /** Runs one tick now; resolves with its decision record (undefined when it crashed before recording). */
  tick(trigger: DecisionRecord["trigger"]): Promise<DecisionRecord | undefined>;
  /** Reads the vault's pause state and updates the kill-switch gauges. */
  watchPause(): Promise<boolean>;
  /** The kill-switch watcher's last reading, undefined before the first. */
  lastPaused(): boolean | undefined;
  /** Why the daemon stopped acting for good (KEEPER_ROLE_REVOKED), once it did; ticks are no-ops from then on. */
  stopReason(): KeelError | undefined;
}

/** A decision id: the start time to the second and a random suffix. */
function decisionId(startedMs: number): string {
  return `${new Date(startedMs).toISOString().replace(/[-:]/g, "").slice(0, 15)}-${randomBytes(3).toString("hex")}`;
}

/** After each tick: intent gauges updated and the store checkpointed, neither failing the tick. */
async function afterTick(deps: DaemonTickDeps): Promise<void> {
  const { log } = deps;
  await deps.intentGauges
    .update()
    .catch((err: unknown) => log.warn({ err: describeError(err).message }, "intent gauges not updated"));
  try {
    deps.store.checkpoint();
  } catch (err) {
    log.warn({ err: describeError(err).message }, "store checkpoint failed (retried after the next tick)");
  }
}

/** Ticks bounded by the tick timeout and aborted at shutdown; a failed tick is counted and journaled when it can be. */
export function createDaemonTicks(deps: DaemonTickDeps): DaemonTicks {
  const { loaded, target, keys, execution, stages, observer, metrics, shutdown, clock, log } = deps;
  const journal = deps.store.journal;
  const chainId = loaded.config.chain.chainId;
  const vault = typedContract(target.vault, KeelVaultAbi, deps.provider);
  let lastPaused: boolean | undefined;
  let stopped: KeelError | undefined;
  /** A revoked keeper role stops the daemon (it alerts; it does not retry): not a failed tick. */
  const keeperRevoked = async (): Promise<boolean> => {
    if (stopped) return true;
    if ((await keys.keeperRoles?.stillKeeper()) !== false) return false;
    stopped = new KeelError(
      "KEEPER_ROLE_REVOKED",
      `stopping: the keeper key ${keys.keeperAddress} no longer holds KEEPER_ROLE on the allocator ${target.allocator}`,
      { retryable: false, context: { keeper: keys.keeperAddress, allocator: target.allocator } },
    );
    log.error({ code: stopped.code, keeper: keys.keeperAddress }, stopped.message);
    metrics.halted.set(1);
    void shutdown.close(stopped.code);
    return true;
  };
  /** A tick that threw: counted, and observed from its journal record when it got that far. */
  const failedTick = async (id: string, err: unknown): Promise<DecisionRecord | undefined> => {
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
  };
  return {
    lastPaused: () => lastPaused,
    stopReason: () => stopped,
    async watchPause() {
      const paused = await read(vault, "paused", []);
      if (paused !== lastPaused && (lastPaused !== undefined || paused))
        log.warn({ paused }, paused ? "kill-switch pulled: vault paused" : "vault unpaused");
      lastPaused = paused;
      metrics.paused.set(paused ? 1 : 0);
      if (paused) metrics.halted.set(1);
      return paused;
    },
    async tick(trigger) {
      if (await keeperRevoked()) return undefined;
      const id = decisionId(clock.now());
      const controller = new AbortController();
      const onShutdown = () => controller.abort(shutdown.signal.reason);
      shutdown.signal.addEventListener("abort", onShutdown, { once: true });
      const timer = setTimeout(() => controller.abort(new Error("tick timeout")), loaded.config.schedule.tickTimeoutMs);
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
        return await failedTick(id, err);
      } finally {
        clearTimeout(timer);
        shutdown.signal.removeEventListener("abort", onShutdown);
        await afterTick(deps);
      }
    },
  };
}
