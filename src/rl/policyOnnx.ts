/**
 * The PPO actor as an ONNX graph (onnx-proto, opset 17): the shared per-source MLP (Gemm → Tanh → Gemm →
 * Tanh → Gemm), the scores laid out in a row beside idle's constant score, and a softmax. Input
 * `observation` [sources, features]; output `weights` [1, sources + 1] (idle last) — the policy's mean
 * action, what the daemon serves.
 */
import onnxProto from "onnx-proto";
import { encodeModel, floatTensor, valueInfo } from "../ml/onnxExport.ts";
import type { ActorWeights, PolicySpec } from "./policyNet.ts";

const { onnx } = onnxProto;

/** Input and output names of the exported policy. */
export const POLICY_INPUT = "observation";
export const POLICY_OUTPUT = "weights";

/** Serialises the actor to ONNX bytes. */
export function exportPolicyOnnx(spec: PolicySpec, w: ActorWeights, docString: string): Uint8Array {
  const [h1, h2] = spec.hidden;
  const F = spec.features;
  const graph = {
    name: "keel_ppo_policy",
    node: [
      { opType: "Gemm", input: [POLICY_INPUT, "w1", "b1"], output: ["z1"] },
      { opType: "Tanh", input: ["z1"], output: ["h1"] },
      { opType: "Gemm", input: ["h1", "w2", "b2"], output: ["z2"] },
      { opType: "Tanh", input: ["z2"], output: ["h2"] },
      { opType: "Gemm", input: ["h2", "w3", "b3"], output: ["scores"] },
      {
        opType: "Transpose",
        input: ["scores"],
        output: ["scores_row"],
        attribute: [{ name: "perm", type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 0] }],
      },
      {
        opType: "Concat",
        input: ["scores_row", "idle_score"],
        output: ["all_scores"],
        attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
      },
      {
        opType: "Softmax",
        input: ["all_scores"],
        output: [POLICY_OUTPUT],
        attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
      },
    ],
    initializer: [
      floatTensor("w1", [F, h1], w.w1),
      floatTensor("b1", [h1], w.b1),
      floatTensor("w2", [h1, h2], w.w2),
      floatTensor("b2", [h2], w.b2),
      floatTensor("w3", [h2, 1], w.w3),
      floatTensor("b3", [1], w.b3),
      floatTensor("idle_score", [1, 1], [w.idle]),
    ],
    input: [valueInfo(POLICY_INPUT, ["sources", F])],
    output: [valueInfo(POLICY_OUTPUT, [1, "slots"])],
  };
  return encodeModel(graph, docString);
}
