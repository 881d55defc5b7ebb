import { Worker } from "node:worker_threads";
import type { ForecasterChoice } from "../composition/stageOptions.ts";
import type { Dataset, PoolInfo } from "../domain/dataset.ts";
import { KeelError } from "../domain/errors.ts";
import type { LpSolver } from "../pipeline/optimize/solver.ts";
import {
  type BacktestOptions,
  isKeel,
  type KeelStrategy,
  runStrategy,
  type StrategyName,
  type StrategyRun,
} from "./engine.ts";
import { knownView } from "./known.ts";
import { type BacktestResult, pegCounter, scoreRuns } from "./run.ts";

/** What a keel worker needs to rebuild the replay on its own: the same options, data folder and sources. */
export interface KeelJob {
  /** `keel` or `keel-rl` (the same config with the learned policy optimizing). */
  readonly strategy: KeelStrategy;
  readonly o: BacktestOptions;
  readonly dataDir: string;
  readonly poolIds: readonly string[];
  readonly forecaster: ForecasterChoice & { readonly notTrainedAfter: number };
  readonly log: { readonly level: string; readonly format: "auto" | "json" | "pretty" };
}

/** Messages from the keel worker. */
export type KeelWorkerMessage =
  | { readonly type: "steps"; readonly steps: number }
  | {
      readonly type: "done";
      readonly run: StrategyRun;
      readonly pegReads: ReadonlyMap<string, number>;
      readonly modelUnavailableReason?: string;
      readonly policyUnavailableReason?: string;
    }
  | { readonly type: "error"; readonly code: string; readonly message: string };

/** keel (or keel-rl) in a worker thread: resolves with its run, rejects with the worker's error. */
function keelInWorker(
  job: KeelJob,
  onSteps: (n: number) => void,
  signal: AbortSignal,
): Promise<Extract<KeelWorkerMessage, { type: "done" }>> {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { workerData: job });
  const stop = () => void worker.terminate();
  signal.addEventListener("abort", stop, { once: true });
  return new Promise((resolve, reject) => {
    worker.on("message", (m: KeelWorkerMessage) => {
      if (m.type === "steps") onSteps(m.steps);
      else if (m.type === "done") {
        resolve(m);
        void worker.terminate();
      } else reject(new KeelError(m.code, m.message));
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      signal.removeEventListener("abort", stop);
      // (After "done" the promise is settled and this changes nothing.)
      reject(signal.reason ?? new KeelError("WORKER_FAILED", `the keel worker exited with ${code}`));
    });
  });
}

/**
 * The fast path of `keel backtest` on two cores: keel (and keel-rl) replay in worker threads (each reads the
 * same data folder and builds the same forecasters, and its policy) while the reference strategies replay
 * here; one-source allocations are solved in closed form. The results are the reference path's
 * (`runBacktest` with `reference`), which the golden test checks.
 */
export async function runBacktestParallel(
  o: BacktestOptions,
  job: Omit<KeelJob, "o" | "poolIds" | "strategy">,
  deps: {
    readonly data: Dataset;
    readonly pools: readonly PoolInfo[];
    readonly solver?: LpSolver;
    readonly onStep?: (strategy: StrategyName, step: number, steps: number) => void;
  },
  signal: AbortSignal,
): Promise<BacktestResult> {
  const total = Math.floor((o.end - o.start) / o.stepSeconds) + 1;
  const workers = o.strategies.filter(isKeel).map((strategy) => {
    let steps = 0;
    const done = keelInWorker(
      { ...job, strategy, o, poolIds: deps.pools.map((p) => p.poolId) },
      (n) => {
        for (; steps < n; steps++) deps.onStep?.(strategy, steps + 1, total);
      },
      signal,
    );
    // Keep the worker's rejection observed while the reference strategies run.
    done.catch(() => {});
    return { strategy, done };
  });
  const pegs = pegCounter();
  const local = new Map<StrategyName, StrategyRun>();
  const shared = { ...deps, known: knownView(deps.data) };
  for (const name of o.strategies.filter((s) => !isKeel(s))) {
    local.set(name, await runStrategy(name, o, shared, signal, pegs.add));
  }
  let model: string | undefined;
  const policy: Partial<Record<KeelStrategy, string>> = {};
  for (const w of workers) {
    const done = await w.done;
    local.set(w.strategy, done.run);
    pegs.add(done.pegReads);
    model ??= done.modelUnavailableReason;
    if (done.policyUnavailableReason) policy[w.strategy] = done.policyUnavailableReason;
  }
  const runs = o.strategies.map((name) => local.get(name)!);
  return scoreRuns(o, deps.data, runs, pegs.reads, { ...(model ? { model } : {}), policy });
}
