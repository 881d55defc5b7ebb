/**
 * Builds the ONNX graph of the forecaster with onnx-proto: feature scaling → two LSTM operators
 * (weights converted from TF.js/Keras gate order i,f,c,o to ONNX order i,o,f,c) → dense head →
 * target unscaling. Input `features` [batch, window, features]; output `quantiles` [batch, Q]
 * (log-space change of the rate, one column per quantile).
 */
import onnxProto, { type onnx as onnxTypes } from "onnx-proto";
import type { NetSpec } from "./lstm.ts";
import type { Scaler } from "./scaler.ts";

const { onnx } = onnxProto;

/** Weights of one LSTM layer in TF.js layout: kernel [in, 4H], recurrent [H, 4H], bias [4H]. */
export interface LstmWeights {
  readonly kernel: Float32Array;
  readonly recurrent: Float32Array;
  readonly bias: Float32Array;
}

/** All trained weights, TF.js layout. */
export interface NetWeights {
  readonly lstm1: LstmWeights;
  readonly lstm2: LstmWeights;
  /** Dense head: kernel [H2, Q], bias [Q]. */
  readonly head: { readonly kernel: Float32Array; readonly bias: Float32Array };
}

/** Input and output names of the exported graph. */
export const ONNX_INPUT = "features";
export const ONNX_OUTPUT = "quantiles";

const FLOAT = 1;
const INT64 = 7;

/** A float32 ONNX initializer. */
export function floatTensor(name: string, dims: number[], data: ArrayLike<number>) {
  const f = Float32Array.from(data);
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) };
}

/** An int64 ONNX initializer. */
export function int64Tensor(name: string, values: number[]) {
  const b = BigInt64Array.from(values.map(BigInt));
  return { name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(b.buffer) };
}

/**
 * Keras gate blocks (i, f, c, o) along the 4H axis → ONNX (i, o, f, c), transposed to [4H, in].
 * `m` is [inDim, 4H] row-major.
 */
export function kerasToOnnxGates(m: Float32Array, inDim: number, hidden: number): Float32Array {
  const order = [0, 3, 1, 2]; // ONNX block b takes Keras block order[b]
  const out = new Float32Array(4 * hidden * inDim);
  for (let b = 0; b < 4; b++) {
    const kb = order[b]!;
    for (let u = 0; u < hidden; u++) {
      for (let k = 0; k < inDim; k++) out[(b * hidden + u) * inDim + k] = m[k * 4 * hidden + kb * hidden + u]!;
    }
  }
  return out;
}

function lstmInitializers(prefix: string, w: LstmWeights, inDim: number, hidden: number) {
  const bias = new Float32Array(8 * hidden);
  const order = [0, 3, 1, 2];
  for (let b = 0; b < 4; b++) {
    for (let u = 0; u < hidden; u++) bias[b * hidden + u] = w.bias[order[b]! * hidden + u]!;
  }
  return [
    floatTensor(`${prefix}_W`, [1, 4 * hidden, inDim], kerasToOnnxGates(w.kernel, inDim, hidden)),
    floatTensor(`${prefix}_R`, [1, 4 * hidden, hidden], kerasToOnnxGates(w.recurrent, hidden, hidden)),
    floatTensor(`${prefix}_B`, [1, 8 * hidden], bias),
  ];
}

/** Serialises the model to ONNX bytes (opset 17). */
export function exportOnnx(spec: NetSpec, weights: NetWeights, scaler: Scaler, docString: string): Uint8Array {
  const [h1, h2] = spec.units;
  const q = spec.quantiles.length;
  const hiddenAttr = (h: number) => ({ name: "hidden_size", type: onnx.AttributeProto.AttributeType.INT, i: h });
  const graph = {
    name: "keel_lstm",
    node: [
      { opType: "Sub", input: [ONNX_INPUT, "feature_mean"], output: ["centred"] },
      { opType: "Div", input: ["centred", "feature_std"], output: ["scaled"] },
      {
        opType: "Transpose",
        input: ["scaled"],
        output: ["time_major"],
        attribute: [{ name: "perm", type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 0, 2] }],
      },
      {
        opType: "LSTM",
        input: ["time_major", "lstm1_W", "lstm1_R", "lstm1_B"],
        output: ["lstm1_Y"],
        attribute: [hiddenAttr(h1)],
      },
      { opType: "Squeeze", input: ["lstm1_Y", "axis1"], output: ["lstm1_seq"] },
      {
        opType: "LSTM",
        input: ["lstm1_seq", "lstm2_W", "lstm2_R", "lstm2_B"],
        output: ["", "lstm2_h"],
        attribute: [hiddenAttr(h2)],
      },
      { opType: "Squeeze", input: ["lstm2_h", "axis0"], output: ["last_hidden"] },
      { opType: "Gemm", input: ["last_hidden", "head_W", "head_B"], output: ["head_out"] },
      { opType: "Mul", input: ["head_out", "target_std"], output: ["unscaled"] },
      { opType: "Add", input: ["unscaled", "target_mean"], output: [ONNX_OUTPUT] },
    ],
    initializer: [
      floatTensor("feature_mean", [spec.features], scaler.featureMean),
      floatTensor("feature_std", [spec.features], scaler.featureStd),
      ...lstmInitializers("lstm1", weights.lstm1, spec.features, h1),
      ...lstmInitializers("lstm2", weights.lstm2, h1, h2),
      floatTensor("head_W", [h2, q], weights.head.kernel),
      floatTensor("head_B", [q], weights.head.bias),
      floatTensor("target_std", [1], [scaler.targetStd]),
      floatTensor("target_mean", [1], [scaler.targetMean]),
      int64Tensor("axis0", [0]),
      int64Tensor("axis1", [1]),
    ],
    input: [valueInfo(ONNX_INPUT, ["batch", spec.window, spec.features])],
    output: [valueInfo(ONNX_OUTPUT, ["batch", q])],
  };
  return encodeModel(graph, docString);
}

/** Serialises a graph as one of keel's ONNX models (IR version 8, opset 17). */
export function encodeModel(graph: onnxTypes.IGraphProto, docString: string): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: "keel",
    producerVersion: "1",
    docString,
    opsetImport: [{ domain: "", version: 17 }],
    graph,
  }).finish();
}

/** A float32 graph input or output with named (dynamic) or fixed dimensions. */
export function valueInfo(name: string, dims: (string | number)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}
