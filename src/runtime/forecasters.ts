import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describeError } from "../domain/errors.ts";
import { type BaselineName, createBaseline } from "../ml/baselines.ts";
import { createBestBaseline } from "../ml/bestBaseline.ts";
import type { Logger } from "../observability/logger.ts";
import type { Forecaster } from "../ports/forecaster.ts";

/**
 * Why a model trained on data up to `training.dataBefore` (its `metaFile`, model.json or policy.json) may
 * not serve decisions at `from` (unix seconds) — a replay would see the future through it — or undefined
 * when it may.
 */
export function lookahead(path: string, from: number, metaFile = "model.json"): string | undefined {
  let dataBefore: unknown;
  try {
    dataBefore = (
      JSON.parse(readFileSync(join(dirname(path), metaFile), "utf8")) as { training?: { dataBefore?: unknown } }
    ).training?.dataBefore;
  } catch {
    return `MODEL_LOOKAHEAD: ${metaFile} beside ${path} does not say what data the model was trained on`;
  }
  const cutoff = typeof dataBefore === "string" ? Date.parse(dataBefore) / 1000 : Number.NaN;
  if (Number.isFinite(cutoff) && cutoff <= from) return undefined;
  return `MODEL_LOOKAHEAD: model ${path} was trained on data before ${String(dataBefore)}, after ${new Date(from * 1000).toISOString()}`;
}

/**
 * The model (when it loads) and the baseline the predict stage falls back to. With `notTrainedAfter`
 * (a replay's first decision time, unix seconds) a model trained on later data is refused the same way
 * as a missing one: the baseline serves, with the reason.
 */
export async function buildForecasters(
  opts: { path: string; baseline: "best" | BaselineName; notTrainedAfter?: number },
  deps: { logger: Logger },
): Promise<{ model: Forecaster | undefined; modelUnavailableReason?: string; baseline: Forecaster }> {
  const baseline = opts.baseline === "best" ? createBestBaseline() : createBaseline(opts.baseline);
  if (!existsSync(opts.path)) {
    const why = `model file ${opts.path} not found`;
    deps.logger.warn({ model: opts.path, baseline: opts.baseline }, "model missing: using the baseline forecaster");
    return { model: undefined, modelUnavailableReason: why, baseline };
  }
  const future = opts.notTrainedAfter === undefined ? undefined : lookahead(opts.path, opts.notTrainedAfter);
  if (future) {
    deps.logger.warn({ model: opts.path, baseline: opts.baseline }, `${future}: using the baseline forecaster`);
    return { model: undefined, modelUnavailableReason: future, baseline };
  }
  try {
    // onnxruntime's native module is loaded only when there is a model to serve.
    const { loadOnnxForecaster } = await import("../adapters/onnx/onnxForecaster.ts");
    return { model: await loadOnnxForecaster(opts.path), baseline };
  } catch (err) {
    const e = describeError(err);
    deps.logger.error(
      { model: opts.path, code: e.code, err: e.message },
      "model failed to load: using the baseline forecaster",
    );
    return { model: undefined, modelUnavailableReason: `${e.code}: ${e.message}`, baseline };
  }
}
