import { Worker } from "node:worker_threads";
import type { ForecasterChoice } from "../composition/stageOptions.ts";
import type { Dataset, PoolInfo } from "../domain/dataset.ts";
import { KeelError } from "../domain/errors.ts";
import type { LpSolver } from "../pipeline/optimize/solver.ts";
import { type BacktestOptions, runStrategy, type StrategyName, type StrategyRun } from "./engine.ts";
import { knownView } from "./known.ts";
import { type BacktestResult, pegCounter, scoreRuns } from "./run.ts";

/** What the keel worker needs to rebuild the replay on its own: the same options, data folder and sources. */
export interface KeelJob {
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
    }
  | { readonly type: "error"; readonly code: string; readonly message: string };

/** keel in a worker thread: resolves with its run, rejects with the worker's error. */
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
 * The fast path of `keel backtest` on two cores: keel replays in a worker thread (which reads the same
 * data folder and builds the same forecasters) while the reference strategies replay here; one-source
 * allocations are solved in closed form. The results are the reference path's (`runBacktest` with
 * `reference`), which the golden test checks.
 */
export async function runBacktestParallel(
  o: BacktestOptions,
  job: Omit<KeelJob, "o" | "poolIds">,
  deps: {
    readonly data: Dataset;
    readonly pools: readonly PoolInfo[];
    readonly solver?: LpSolver;
    readonly onStep?: (strategy: StrategyName, step: number, steps: number) => void;
  },
  signal: AbortSignal,
): Promise<BacktestResult> {
  const total = Math.floor((o.end - o.start) / o.stepSeconds) + 1;
  let keelSteps = 0;
  const keel = o.strategies.includes("keel")
    ? keelInWorker(
        { ...job, o, poolIds: deps.pools.map((p) => p.poolId) },
        (n) => {
          for (; keelSteps < n; keelSteps++) deps.onStep?.("keel", keelSteps + 1, total);
        },
        signal,
      )
    : undefined;
  // Keep the worker's rejection observed while the reference strategies run.
  keel?.catch(() => {});
  const pegs = pegCounter();
  const local = new Map<StrategyName, StrategyRun>();
  const shared = { ...deps, known: knownView(deps.data) };
  for (const name of o.strategies.filter((s) => s !== "keel")) {
    local.set(name, await runStrategy(name, o, shared, signal, pegs.add));
  }
  const done = await keel;
  if (done) {
    local.set("keel", done.run);
    pegs.add(done.pegReads);
  }
  const runs = o.strategies.map((name) => local.get(name)!);
  return scoreRuns(o, deps.data, runs, pegs.reads, done?.modelUnavailableReason);
}
