import { fileURLToPath } from "node:url";
import { readDataset } from "../adapters/dataset/reader.ts";
import { loadOnnxForecaster } from "../adapters/onnx/onnxForecaster.ts";
import { describeError, KeelError } from "../domain/errors.ts";
import { createBaseline } from "../ml/baselines.ts";
import { type EvaluationReport, evaluateForecasters } from "../ml/evaluate.ts";
import type { Forecaster } from "../ports/forecaster.ts";
import { printJson, progress } from "./output.ts";
import { parseDay } from "./train.ts";

/** Options of `keel evaluate` (see src/main.ts). */
export interface EvaluateCommandOptions {
  readonly data: string;
  readonly model?: string;
  readonly start?: string;
  readonly end?: string;
  readonly horizonDays: number;
  readonly json?: boolean;
}

/** The shipped model (resolved from the repository, whatever the working directory). */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL("../../models/keel-lstm/model.onnx", import.meta.url));

/**
 * `keel evaluate`: walk-forward evaluation of the model and every baseline over [start, end]
 * (default: the dataset's last 180 days). `--json` prints one document on stdout.
 */
export async function evaluateCommand(opts: EvaluateCommandOptions): Promise<void> {
  const data = await readDataset(opts.data);
  const lastT = Math.max(...[...data.rates.values()].map((s) => s[s.length - 1]?.t ?? 0));
  const end = opts.end ? parseDay(opts.end, "--end") : Math.floor(lastT / 86_400) * 86_400;
  const start = opts.start ? parseDay(opts.start, "--start") : end - 180 * 86_400;
  const forecasters: Forecaster[] = [];
  let modelNote: Record<string, string> = {};
  const modelPath = opts.model ?? DEFAULT_MODEL_PATH;
  try {
    const model = await loadOnnxForecaster(modelPath);
    if (model.horizonDays !== opts.horizonDays) {
      throw new KeelError(
        "MODEL_HORIZON_MISMATCH",
        `the model forecasts ${model.horizonDays}-day means; --horizon-days is ${opts.horizonDays}`,
      );
    }
    forecasters.push(model);
    modelNote = { path: modelPath, sha256: model.hash };
  } catch (err) {
    const e = describeError(err);
    modelNote = { path: modelPath, unavailable: `[${e.code}] ${e.message}` };
    process.stderr.write(`evaluate: model unavailable, baselines only: [${e.code}] ${e.message}\n`);
  }
  for (const name of ["persistence", "mean", "ema", "arima"] as const) forecasters.push(createBaseline(name));
  const bar = progress("evaluate", Math.floor((end - start) / 86_400) + 1);
  const started = performance.now();
  const report = await evaluateForecasters(data, forecasters, {
    start,
    end,
    horizonDays: opts.horizonDays,
    onProgress: () => bar.tick(),
  });
  bar.done();
  const seconds = (performance.now() - started) / 1000;
  const { forecasts, ...doc } = report;
  if (opts.json) {
    printJson({ ...doc, model: modelNote, forecasts_per_second: forecasts / seconds });
    return;
  }
  process.stdout.write(formatTable(doc, modelNote));
}

/** A plain-text table: overall, then per source, one row per forecaster. */
export function formatTable(r: EvaluationReport, model: Record<string, string>): string {
  const lines = [
    `walk-forward ${r.start} .. ${r.end}, horizon ${r.horizon_days} days, ${r.origins} origins`,
    `model: ${model.unavailable ?? `${model.path} (${model.sha256?.slice(0, 12)})`}`,
    "",
  ];
  const row = (label: string, name: string, s: EvaluationReport["overall"][string]) =>
    `${label.padEnd(26)} ${name.padEnd(12)} ${s.mae.toFixed(3).padStart(8)} ${s.mape.toFixed(1).padStart(8)} ` +
    `${s.pinball.toFixed(3).padStart(8)} ${s.coverage_p10_p90.toFixed(2).padStart(6)} ${String(s.n).padStart(6)}`;
  lines.push(
    `${"source".padEnd(26)} ${"forecaster".padEnd(12)} ${"MAE".padStart(8)} ${"MAPE%".padStart(8)} ${"pinball".padStart(8)} ${"cov".padStart(6)} ${"n".padStart(6)}`,
  );
  for (const [name, s] of Object.entries(r.overall)) lines.push(row("OVERALL", name, s));
  for (const [id, m] of Object.entries(r.sources))
    for (const [name, s] of Object.entries(m)) lines.push(row(id, name, s));
  return `${lines.join("\n")}\n`;
}
