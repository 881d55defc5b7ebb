import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FEATURES } from "../../../src/ml/features.ts";
import { buildNet, type NetSpec } from "../../../src/ml/lstm.ts";
import { TARGET_DESCRIPTION } from "../../../src/ml/modelMeta.ts";
import { readWeights } from "../../../src/ml/netWeights.ts";
import { exportOnnx } from "../../../src/ml/onnxExport.ts";
import type { Scaler } from "../../../src/ml/scaler.ts";
import { tfWasm } from "../../../src/ml/tfBackend.ts";

export const tinySpec: NetSpec = {
  window: 6,
  features: FEATURES.length,
  units: [5, 4],
  dropout: 0.1,
  quantiles: [0.1, 0.5, 0.9],
};

/** A small untrained network (seeded), its scaler, the ONNX bytes and a matching model.json. */
export async function tinyModel(seed = 7) {
  const tf = await tfWasm();
  const net = buildNet(tf, tinySpec, seed);
  // Non-zero biases so the gate-order conversion of the bias is exercised too.
  for (const name of ["lstm1", "lstm2", "head"]) {
    const layer = net.getLayer(name);
    const ws = layer.getWeights();
    const withBias = ws.map((w, i) =>
      i === ws.length - 1 ? tf.randomUniform(w.shape, -0.5, 0.5, "float32", seed + i) : w,
    );
    layer.setWeights(withBias);
  }
  const scaler: Scaler = {
    featureMean: FEATURES.map((_, i) => 0.1 * i),
    featureStd: FEATURES.map((_, i) => 1 + 0.05 * i),
    targetMean: 0.02,
    targetStd: 0.3,
  };
  const weights = readWeights(net);
  const onnx = exportOnnx(tinySpec, weights, scaler, "test");
  const sha256 = createHash("sha256").update(onnx).digest("hex");
  const meta = {
    format: "keel-lstm/1",
    features: [...FEATURES],
    window: tinySpec.window,
    horizonDays: 7,
    quantiles: tinySpec.quantiles,
    units: tinySpec.units,
    dropout: tinySpec.dropout,
    scaler,
    target: TARGET_DESCRIPTION,
    inputs: [
      { kind: "lending", protocol: "aave-v3", rate: "Aave supply APR (liquidity rate), hourly" },
      { kind: "lp", protocol: "uniswap-v3", rate: "pool-wide daily fee APR = volume × fee tier / TVL" },
    ],
    training: {},
    metrics: {},
    sha256,
  };
  return { tf, net, weights, scaler, onnx, meta };
}

/** Writes model.onnx and model.json into `dir`; returns the model path. */
export function writeModel(dir: string, onnx: Uint8Array, meta: object): string {
  writeFileSync(join(dir, "model.onnx"), onnx);
  writeFileSync(join(dir, "model.json"), JSON.stringify(meta));
  return join(dir, "model.onnx");
}
