import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { KeelError } from "../../domain/errors.ts";
import type { AllocationPolicy } from "../../ports/policy.ts";
import { type PolicyMeta, policyFeaturesMatch, policyMetaSchema } from "../../rl/policyMeta.ts";
import { POLICY_INPUT, POLICY_OUTPUT } from "../../rl/policyOnnx.ts";

function unavailable(message: string, cause?: unknown): KeelError {
  return new KeelError("POLICY_UNAVAILABLE", message, { retryable: false, cause });
}

/** The graph's input dimensions, e.g. `["sources", 18]`. */
function inputDims(bytes: Uint8Array): (number | string)[] {
  try {
    const model = onnxProto.onnx.ModelProto.decode(bytes);
    const input = model.graph?.input?.find((i) => i.name === POLICY_INPUT);
    return (input?.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
  } catch (err) {
    throw unavailable("policy.onnx is not a readable ONNX model", err);
  }
}

/**
 * Loads policy.onnx and the policy.json beside it: checks the file's SHA-256 (`POLICY_HASH_MISMATCH`),
 * the feature list and the graph's input width, and opens an onnxruntime session (`POLICY_UNAVAILABLE`
 * on any failure).
 */
export async function loadOnnxPolicy(policyPath: string): Promise<AllocationPolicy> {
  let bytes: Buffer;
  let meta: PolicyMeta;
  try {
    bytes = await readFile(policyPath);
    meta = policyMetaSchema.parse(JSON.parse(await readFile(join(dirname(policyPath), "policy.json"), "utf8")));
  } catch (err) {
    throw unavailable(`cannot read the policy: ${(err as NodeJS.ErrnoException).code ?? "invalid policy.json"}`, err);
  }
  const hash = createHash("sha256").update(bytes).digest("hex");
  if (hash !== meta.sha256) {
    throw new KeelError("POLICY_HASH_MISMATCH", "policy.onnx does not match the SHA-256 recorded in policy.json", {
      retryable: false,
      context: { expected: meta.sha256, actual: hash },
    });
  }
  if (!policyFeaturesMatch(meta)) throw unavailable("policy.json lists features this version does not compute");
  const dims = inputDims(bytes);
  if (dims.length !== 2 || dims[1] !== meta.features.length) {
    throw unavailable(`policy input shape [${dims.join(",")}] does not match ${meta.features.length} features`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (err) {
    throw unavailable("onnxruntime could not load policy.onnx", err);
  }
  return createOnnxPolicy(session, meta.features.length, hash);
}

/** An AllocationPolicy over an open session (exported for tests). */
export function createOnnxPolicy(session: ort.InferenceSession, features: number, hash: string): AllocationPolicy {
  return {
    name: "policy",
    hash,
    async act(observation, sources) {
      if (observation.length !== sources * features) {
        throw new KeelError("POLICY_RUN_FAILED", `observation has ${observation.length} values for ${sources} sources`);
      }
      try {
        const out = await session.run({
          [POLICY_INPUT]: new ort.Tensor("float32", observation, [sources, features]),
        });
        return Float32Array.from(out[POLICY_OUTPUT]!.data as Float32Array);
      } catch (err) {
        throw new KeelError("POLICY_RUN_FAILED", "onnxruntime failed to run the policy", {
          retryable: true,
          cause: err,
        });
      }
    },
  };
}
