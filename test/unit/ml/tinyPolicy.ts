import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tfWasm } from "../../../src/ml/tfBackend.ts";
import { POLICY_FEATURES } from "../../../src/pipeline/optimize/policyObservation.ts";
import { createPolicyVars, type PolicySpec, readActor } from "../../../src/rl/policyNet.ts";
import { exportPolicyOnnx } from "../../../src/rl/policyOnnx.ts";

export const tinyPolicySpec: PolicySpec = { features: POLICY_FEATURES.length, hidden: [6, 5], valueHidden: 4 };

/**
 * A small untrained policy (seeded) with non-zero biases and idle score, its ONNX bytes and a matching
 * policy.json trained "before" `dataBefore`.
 */
export async function tinyPolicy(seed = 3, dataBefore = "2024-07-01T00:00:00.000Z") {
  const tf = await tfWasm();
  const vars = createPolicyVars(tf, tinyPolicySpec, seed, { logStd: -0.5, idleScore: 0 });
  const a = vars.actor;
  // Biases and output layer away from their near-zero start so every parameter shows in the output.
  tf.tidy(() => {
    a.b1.assign(tf.randomUniform(a.b1.shape, -0.5, 0.5, "float32", seed + 1));
    a.b2.assign(tf.randomUniform(a.b2.shape, -0.5, 0.5, "float32", seed + 2));
    a.w3.assign(tf.randomUniform(a.w3.shape, -1, 1, "float32", seed + 3));
    a.b3.assign(tf.scalar(0.3).reshape([1]));
    a.idle.assign(tf.scalar(-0.7).reshape([1]));
  });
  const actor = readActor(vars);
  const onnx = exportPolicyOnnx(tinyPolicySpec, actor, "test");
  const meta = {
    format: "keel-ppo/1",
    features: [...POLICY_FEATURES],
    hidden: [...tinyPolicySpec.hidden],
    valueHidden: tinyPolicySpec.valueHidden,
    training: { dataBefore },
    metrics: {},
    sha256: createHash("sha256").update(onnx).digest("hex"),
  };
  return { tf, vars, actor, onnx, meta };
}

/** Writes policy.onnx and policy.json into `dir`; returns the policy path. */
export function writePolicy(dir: string, onnx: Uint8Array, meta: object): string {
  writeFileSync(join(dir, "policy.onnx"), onnx);
  writeFileSync(join(dir, "policy.json"), JSON.stringify(meta));
  return join(dir, "policy.onnx");
}
