import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describeError } from "../domain/errors.ts";
import { type BaselineName, createBaseline } from "../ml/baselines.ts";
import { createBestBaseline } from "../ml/bestBaseline.ts";
import type { Logger } from "../observability/logger.ts";
import type { Forecaster } from "../ports/forecaster.ts";
import { modelFile } from "./modelFile.ts";

/**
 * Why a forecaster whose description (`file`) says it was trained on data up to `training.dataBefore`
 * may not serve decisions at `from` (unix seconds) — a replay would see the future through it — or
 * undefined when it may.
 */
export function lookahead(path: string, file: string, from: number): string | undefined {
  let dataBefore: unknown;
  try {
    dataBefore = (JSON.parse(readFileSync(file, "utf8")) as { training?: { dataBefore?: unknown } }).training
      ?.dataBefore;
  } catch {
    return `MODEL_LOOKAHEAD: ${file} does not say what data ${path} was trained on`;
  }
  const cutoff = typeof dataBefore === "string" ? Date.parse(dataBefore) / 1000 : Number.NaN;
  if (Number.isFinite(cutoff) && cutoff <= from) return undefined;
  return `MODEL_LOOKAHEAD: ${path} was trained on data before ${String(dataBefore)}, after ${new Date(from * 1000).toISOString()}`;
}

/** The forecasters the predict stage chooses among. */
export interface BuiltForecasters {
  readonly model: Forecaster | undefined;
  readonly modelUnavailableReason?: string;
  /** The linear model, when its file loads (and may serve the replay). */
  readonly linear?: Forecaster;
  readonly baseline: Forecaster;
}

/**
 * The model (when it loads), the linear model (when it loads) and the baseline. With `notTrainedAfter`
 * (a replay's first decision time, unix seconds) a model trained on later data is refused the same way
 * as a missing one, with the reason.
 */
export async function buildForecasters(
  opts: { path: string; linearPath: string; baseline: "best" | BaselineName; notTrainedAfter?: number },
  deps: { logger: Logger },
): Promise<BuiltForecasters> {
  opts = { ...opts, path: modelFile(opts.path), linearPath: modelFile(opts.linearPath) };
  const baseline = opts.baseline === "best" ? createBestBaseline() : createBaseline(opts.baseline);
  const linear = await loadLinear(opts, deps.logger);
  const withLinear = linear ? { linear } : {};
  if (!existsSync(opts.path)) {
    const why = `model file ${opts.path} not found`;
    deps.logger.warn({ model: opts.path, baseline: opts.baseline }, "model missing: the other forecasters serve");
    return { model: undefined, modelUnavailableReason: why, ...withLinear, baseline };
  }
  const future =
    opts.notTrainedAfter === undefined
      ? undefined
      : lookahead(opts.path, join(dirname(opts.path), "model.json"), opts.notTrainedAfter);
  if (future) {
    deps.logger.warn({ model: opts.path, baseline: opts.baseline }, `${future}: the other forecasters serve`);
    return { model: undefined, modelUnavailableReason: future, ...withLinear, baseline };
  }
  try {
    // onnxruntime's native module is loaded only when there is a model to serve.
    const { loadOnnxForecaster } = await import("../adapters/onnx/onnxForecaster.ts");
    return { model: await loadOnnxForecaster(opts.path), ...withLinear, baseline };
  } catch (err) {
    const e = describeError(err);
    deps.logger.error(
      { model: opts.path, code: e.code, err: e.message },
      "model failed to load: the other forecasters serve",
    );
    return { model: undefined, modelUnavailableReason: `${e.code}: ${e.message}`, ...withLinear, baseline };
  }
}

/** The linear model, or undefined (logged) when its file is missing, unreadable or trained after the replay's start. */
async function loadLinear(
  opts: { linearPath: string; notTrainedAfter?: number },
  logger: Logger,
): Promise<Forecaster | undefined> {
  if (!existsSync(opts.linearPath)) {
    logger.warn({ linear: opts.linearPath }, "linear model missing: not a candidate");
    return undefined;
  }
  const future =
    opts.notTrainedAfter === undefined ? undefined : lookahead(opts.linearPath, opts.linearPath, opts.notTrainedAfter);
  if (future) {
    logger.warn({ linear: opts.linearPath }, `${future}: not a candidate`);
    return undefined;
  }
  try {
    const { loadLinearForecaster } = await import("../adapters/models/linearModel.ts");
    return await loadLinearForecaster(opts.linearPath);
  } catch (err) {
    const e = describeError(err);
    logger.error({ linear: opts.linearPath, code: e.code, err: e.message }, "linear model failed to load");
    return undefined;
  }
}
