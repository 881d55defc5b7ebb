import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import type { SourceForecast } from "../../domain/decision.ts";
import { KeelError } from "../../domain/errors.ts";
import { FEATURES, featureTable, priceSymbolFor, WARMUP_CELLS } from "../../ml/features.ts";
import { unseenInput } from "../../ml/inputs.ts";
import { featuresMatch, type ModelMeta, modelMetaSchema } from "../../ml/modelMeta.ts";
import { ONNX_INPUT, ONNX_OUTPUT } from "../../ml/onnxExport.ts";
import type { Forecaster, ForecastInput } from "../../ports/forecaster.ts";

function unavailable(message: string, cause?: unknown): KeelError {
  return new KeelError("MODEL_UNAVAILABLE", message, { retryable: false, cause });
}

/**
 * Loads model.onnx and the model.json beside it once: checks the file's SHA-256 against model.json
 * (`MODEL_HASH_MISMATCH`), the graph's input shape against the window and feature list, and opens
 * an onnxruntime session (`MODEL_UNAVAILABLE` on any failure). Each forecast runs all sources in
 * one batch.
 */
export async function loadOnnxForecaster(modelPath: string): Promise<OnnxForecaster> {
  let bytes: Buffer;
  let metaText: string;
  const metaPath = join(dirname(modelPath), "model.json");
  try {
    bytes = await readFile(modelPath);
    metaText = await readFile(metaPath, "utf8");
  } catch (err) {
    throw unavailable(`cannot read the model: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
  }
  let meta: ModelMeta;
  try {
    meta = modelMetaSchema.parse(JSON.parse(metaText));
  } catch (err) {
    throw unavailable("model.json is not a valid keel model description", err);
  }
  const hash = createHash("sha256").update(bytes).digest("hex");
  if (hash !== meta.sha256) {
    throw new KeelError("MODEL_HASH_MISMATCH", "model.onnx does not match the SHA-256 recorded in model.json", {
      retryable: false,
      context: { expected: meta.sha256, actual: hash },
    });
  }
  if (!featuresMatch(meta)) throw unavailable("model.json lists features this version does not compute");
  checkGraphShape(bytes, meta);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (err) {
    throw unavailable("onnxruntime could not load model.onnx", err);
  }
  return createOnnxForecaster(session, meta, hash);
}

function checkGraphShape(bytes: Uint8Array, meta: ModelMeta): void {
  let dims: (number | string)[];
  try {
    const model = onnxProto.onnx.ModelProto.decode(bytes);
    const input = model.graph?.input?.find((i) => i.name === ONNX_INPUT);
    dims = (input?.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
  } catch (err) {
    throw unavailable("model.onnx is not a readable ONNX model", err);
  }
  if (dims.length !== 3 || dims[1] !== meta.window || dims[2] !== meta.features.length) {
    throw unavailable(
      `model input shape [${dims.join(",")}] does not match window ${meta.window} × ${meta.features.length} features`,
    );
  }
}

/** The ONNX forecaster; it also says which horizon it was trained for. */
export interface OnnxForecaster extends Forecaster {
  readonly horizonDays: number;
}

/** A Forecaster over an open session (exported for tests and benchmarks). */
export function createOnnxForecaster(session: ort.InferenceSession, meta: ModelMeta, hash: string): OnnxForecaster {
  const F = FEATURES.length;
  const W = meta.window;
  const median = meta.quantiles.indexOf(0.5);
  return {
    name: "model",
    hash,
    horizonDays: meta.horizonDays,
    // Full features need the window's daily steps plus the rolling windows' warm-up before them.
    minHistoryDays: W + WARMUP_CELLS,
    ...trainedBefore(meta),
    declines: (src) => unseenInput(meta.inputs, src),
    async forecast(input: ForecastInput): Promise<Readonly<Record<string, SourceForecast>>> {
      if (input.horizonDays !== meta.horizonDays) {
        throw new KeelError(
          "MODEL_HORIZON_MISMATCH",
          `the model forecasts ${meta.horizonDays}-day means; ${input.horizonDays} days were asked`,
          { retryable: false },
        );
      }
      const asOf = input.snapshot.timestamp;
      const ids: string[] = [];
      const levels: number[] = [];
      const rows: Float32Array[] = [];
      for (const src of input.snapshot.sources) {
        const points = input.history.sources[src.id] ?? [];
        if (points.length === 0 || points[0]!.t >= asOf || unseenInput(meta.inputs, src)) continue;
        const prices = input.history.prices[priceSymbolFor(src)] ?? [];
        const table = featureTable(points, prices, src, asOf, W);
        const level = Number.isFinite(src.aprPct) ? src.aprPct : table.current[W - 1]!;
        if (!Number.isFinite(level)) continue;
        ids.push(src.id);
        levels.push(level);
        rows.push(table.x);
      }
      if (ids.length === 0) return {};
      const x = new Float32Array(ids.length * W * F);
      rows.forEach((r, i) => {
        x.set(r, i * W * F);
      });
      let out: Float32Array;
      try {
        const result = await session.run({ [ONNX_INPUT]: new ort.Tensor("float32", x, [ids.length, W, F]) });
        out = result[ONNX_OUTPUT]!.data as Float32Array;
      } catch (err) {
        throw new KeelError("MODEL_RUN_FAILED", "onnxruntime failed to run the model", { retryable: true, cause: err });
      }
      const Q = meta.quantiles.length;
      const forecasts: Record<string, SourceForecast> = {};
      ids.forEach((id, i) => {
        const base = Math.log1p(Math.max(0, levels[i]!));
        const qs = Array.from(out.subarray(i * Q, (i + 1) * Q), (d) => Math.max(0, Math.expm1(base + d))).sort(
          (a, b) => a - b,
        );
        const p50 = qs[median >= 0 ? median : Math.floor(Q / 2)]!;
        forecasts[id] = { sourceId: id, p10: Math.min(qs[0]!, p50), p50, p90: Math.max(qs[Q - 1]!, p50) };
      });
      return forecasts;
    },
  };
}

function trainedBefore(meta: ModelMeta): { trainedBefore?: number } {
  const t = Date.parse(String(meta.training.dataBefore));
  return Number.isFinite(t) ? { trainedBefore: t / 1000 } : {};
}

/**
 * For the composition root: the model, or undefined with the reason the predict stage records
 * (`[MODEL_UNAVAILABLE] …`, `[MODEL_HASH_MISMATCH] …`). Never throws.
 */
export async function loadModelOrReason(
  modelPath: string,
): Promise<{ model: Forecaster; reason?: undefined } | { model: undefined; reason: string }> {
  try {
    return { model: await loadOnnxForecaster(modelPath) };
  } catch (err) {
    const code = err instanceof KeelError ? err.code : "MODEL_UNAVAILABLE";
    const message = err instanceof Error ? err.message : String(err);
    return { model: undefined, reason: `[${code}] ${message}` };
  }
}
