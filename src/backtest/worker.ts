// A keel replay of `runBacktestParallel` (keel or keel-rl), in its own thread: same options, data and forecasters.
import { parentPort, workerData } from "node:worker_threads";
import { readDataset } from "../adapters/dataset/reader.ts";
import { createHighsSolver } from "../adapters/highs/highsSolver.ts";
import { describeError } from "../domain/errors.ts";
import { createLogger } from "../observability/logger.ts";
import { buildForecasters } from "../runtime/forecasters.ts";
import { buildPolicy } from "../runtime/policy.ts";
import { backtestStageOptions, runStrategy, strategyConfig } from "./engine.ts";
import type { KeelJob, KeelWorkerMessage } from "./parallel.ts";

const job = workerData as KeelJob;
const post = (m: KeelWorkerMessage) => parentPort?.postMessage(m);
try {
  const data = await readDataset(job.dataDir);
  const byId = new Map(data.pools.map((p) => [p.poolId, p]));
  const pools = job.poolIds.map((id) => byId.get(id)!);
  const logger = createLogger(job.log);
  const forecasters = await buildForecasters(job.forecaster, { logger });
  const { optimizer } = backtestStageOptions(strategyConfig(job.strategy, job.o.config));
  const policy = await buildPolicy({ ...optimizer, notTrainedAfter: job.forecaster.notTrainedAfter }, { logger });
  let pegReads: ReadonlyMap<string, number> = new Map();
  const run = await runStrategy(
    job.strategy,
    job.o,
    {
      data,
      pools,
      forecasters,
      policy,
      solver: createHighsSolver(),
      onStep: (_name, step, steps) => {
        if (step % 240 === 0 || step === steps) post({ type: "steps", steps: step });
      },
    },
    new AbortController().signal,
    (reads) => {
      pegReads = reads;
    },
  );
  post({
    type: "done",
    run,
    pegReads,
    ...(forecasters.modelUnavailableReason ? { modelUnavailableReason: forecasters.modelUnavailableReason } : {}),
    ...(policy.unavailableReason ? { policyUnavailableReason: policy.unavailableReason } : {}),
  });
} catch (err) {
  const e = describeError(err);
  post({ type: "error", code: e.code, message: e.message });
}
