import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readDataset } from "../adapters/dataset/reader.ts";
import { loadLinearForecaster } from "../adapters/models/linearModel.ts";
import { loadOnnxForecaster } from "../adapters/onnx/onnxForecaster.ts";
import { modelSection } from "../config/sections/model.ts";
import { KeelError } from "../domain/errors.ts";
import { createBaseline } from "../ml/baselines.ts";
import { createBestBaseline } from "../ml/bestBaseline.ts";
import { evaluateForecasters } from "../ml/evaluate.ts";
import { type EvaluationReport, evaluationReport } from "../ml/evaluationReport.ts";
import { LINEAR_FILE } from "../ml/linear.ts";
import { ensemble, memoised, scheduled } from "../ml/schedule.ts";
import { servedForecasters } from "../pipeline/predict/served.ts";
import type { Forecaster } from "../ports/forecaster.ts";
import { formatEvaluation } from "./evaluateTable.ts";
import { printJson, progress } from "./output.ts";
import { parseDay } from "./train.ts";

/** Options of `keel evaluate` (see src/main.ts). */
export interface EvaluateCommandOptions {
  readonly data: string;
  readonly model?: readonly string[];
  readonly start?: string;
  readonly end?: string;
  readonly horizonDays: number;
  readonly bootstrap: number;
  readonly blockDays: number;
  readonly json?: boolean;
}

/** The shipped model (resolved from the repository, whatever the working directory). */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL("../../models/keel-lstm/model.onnx", import.meta.url));

/** One trained model directory: the LSTM, its linear model, its seed and cut-off. */
interface Trained {
  readonly path: string;
  readonly seed: number;
  readonly model: Forecaster;
  readonly linear: Forecaster;
}

async function loadTrained(path: string, horizonDays: number): Promise<Trained> {
  const model = await loadOnnxForecaster(path);
  if (model.horizonDays !== horizonDays) {
    throw new KeelError(
      "MODEL_HORIZON_MISMATCH",
      `${path} forecasts ${model.horizonDays}-day means; --horizon-days is ${horizonDays}`,
    );
  }
  const meta = JSON.parse(readFileSync(join(dirname(path), "model.json"), "utf8")) as { training?: { seed?: number } };
  const linear = await loadLinearForecaster(join(dirname(path), LINEAR_FILE));
  return { path, seed: meta.training?.seed ?? 0, model, linear };
}

/**
 * `keel evaluate`: walk-forward evaluation over [start, end] (default: the dataset's last 180 days) of
 * the trained models (`--model`, repeatable: each origin is forecast by the newest model of a seed that
 * was trained only on data before it; the first model's seed is `model`, others `model-s<seed>`), the
 * linear model beside them, their ensemble, the baselines, and what the predict stage serves with the
 * config's defaults (`served`; `served-raw` is its band before calibration). `--json` prints one document.
 */
export async function evaluateCommand(opts: EvaluateCommandOptions): Promise<void> {
  const data = await readDataset(opts.data);
  const lastT = Math.max(...[...data.rates.values()].map((s) => s[s.length - 1]?.t ?? 0));
  const end = opts.end ? parseDay(opts.end, "--end") : Math.floor(lastT / 86_400) * 86_400;
  const start = opts.start ? parseDay(opts.start, "--start") : end - 180 * 86_400;
  const paths = opts.model && opts.model.length > 0 ? opts.model : [DEFAULT_MODEL_PATH];
  const trained = await Promise.all(paths.map((p) => loadTrained(p, opts.horizonDays)));
  const seeds = [...new Set(trained.map((t) => t.seed))];
  const primary = trained.filter((t) => t.seed === seeds[0]);
  const model = memoised(
    scheduled(
      "model",
      primary.map((t) => t.model),
    ),
  );
  const linear = memoised(
    scheduled(
      "linear",
      primary.map((t) => t.linear),
    ),
  );
  const best = memoised(createBestBaseline());
  const others = seeds.slice(1).map((s) =>
    scheduled(
      `model-s${s}`,
      trained.filter((t) => t.seed === s).map((t) => t.model),
    ),
  );
  const d = modelSection.parse({});
  const served = servedForecasters(
    { horizonDays: opts.horizonDays, skill: d.skill, calibration: d.calibration },
    { model, linear, baseline: best },
  );
  const forecasters: Forecaster[] = [
    ...["persistence", "mean", "ema", "arima"].map((n) => createBaseline(n as "persistence")),
    best,
    model,
    ...others,
    linear,
    ensemble("ensemble", [model, linear]),
    ...served,
  ];
  const bar = progress("evaluate", Math.floor((end - start) / 86_400) + 1);
  const started = performance.now();
  const rows = await evaluateForecasters(data, forecasters, {
    start,
    end,
    horizonDays: opts.horizonDays,
    onProgress: () => bar.tick(),
  });
  bar.done();
  const seconds = (performance.now() - started) / 1000;
  const report = evaluationReport(rows, { blockDays: opts.blockDays, replicates: opts.bootstrap, seed: 1 });
  const models = trained.map((t) => ({
    path: t.path,
    seed: t.seed,
    sha256: t.model.hash,
    trained_before: new Date((t.model.trainedBefore ?? 0) * 1000).toISOString(),
    linear_sha256: t.linear.hash,
  }));
  if (opts.json) {
    printJson({ ...report, models, seconds: Math.round(seconds) });
    return;
  }
  process.stdout.write(formatEvaluation(report as EvaluationReport, models));
}
