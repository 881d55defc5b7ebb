import { existsSync } from "node:fs";
import { describeError } from "../domain/errors.ts";
import { type BaselineName, createBaseline } from "../ml/baselines.ts";
import { createBestBaseline } from "../ml/bestBaseline.ts";
import type { Logger } from "../observability/logger.ts";
import type { Forecaster } from "../ports/forecaster.ts";

/** The model (when it loads) and the baseline the predict stage falls back to. */
export async function buildForecasters(
  opts: { path: string; baseline: "best" | BaselineName },
  deps: { logger: Logger },
): Promise<{ model: Forecaster | undefined; modelUnavailableReason?: string; baseline: Forecaster }> {
  const baseline = opts.baseline === "best" ? createBestBaseline() : createBaseline(opts.baseline);
  if (!existsSync(opts.path)) {
    const why = `model file ${opts.path} not found`;
    deps.logger.warn({ model: opts.path, baseline: opts.baseline }, "model missing: using the baseline forecaster");
    return { model: undefined, modelUnavailableReason: why, baseline };
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
