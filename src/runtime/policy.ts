import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { describeError } from "../domain/errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { AllocationPolicy } from "../ports/policy.ts";
import { lookahead } from "./forecasters.ts";
import { modelFile } from "./modelFile.ts";

/** The learned policy when `strategy.optimizer` is `policy` and it loads; else why the rule serves. */
export interface PolicyChoice {
  readonly policy: AllocationPolicy | undefined;
  readonly unavailableReason?: string;
}

/**
 * Loads the PPO policy for `optimizer: policy` (nothing for `rule`). A missing or broken file, or — with
 * `notTrainedAfter` (a replay's first decision time) — a policy trained on data after it, leaves the rule
 * optimizer serving, with the reason in every decision. Never throws.
 */
export async function buildPolicy(
  opts: { optimizer: "rule" | "policy"; path: string; notTrainedAfter?: number },
  deps: { logger: Logger },
): Promise<PolicyChoice> {
  if (opts.optimizer !== "policy") return { policy: undefined };
  opts = { ...opts, path: modelFile(opts.path) };
  const refuse = (why: string): PolicyChoice => {
    deps.logger.warn({ policy: opts.path, reason: why }, "policy not served: the rule optimizer serves");
    return { policy: undefined, unavailableReason: why };
  };
  if (!existsSync(opts.path)) return refuse(`policy file ${opts.path} not found`);
  const future =
    opts.notTrainedAfter === undefined
      ? undefined
      : lookahead(opts.path, join(dirname(opts.path), "policy.json"), opts.notTrainedAfter);
  if (future) return refuse(future);
  try {
    // onnxruntime's native module is loaded only when there is a policy to serve.
    const { loadOnnxPolicy } = await import("../adapters/onnx/onnxPolicy.ts");
    return { policy: await loadOnnxPolicy(opts.path) };
  } catch (err) {
    const e = describeError(err);
    return refuse(`${e.code}: ${e.message}`);
  }
}
