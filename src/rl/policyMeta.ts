/** policy.json: what serving needs to check a trained policy, and how it was made. */
import { z } from "zod";
import { POLICY_FEATURES } from "../pipeline/optimize/policyObservation.ts";

/** The schema of policy.json. */
export const policyMetaSchema = z.object({
  format: z.literal("keel-ppo/1"),
  features: z.array(z.string()).min(1),
  hidden: z.tuple([z.number().int().min(1), z.number().int().min(1)]),
  valueHidden: z.number().int().min(1),
  /** Includes `dataBefore` (ISO time): no data at or after it was used. */
  training: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  /** SHA-256 (hex) of policy.onnx. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Parsed policy.json. */
export type PolicyMeta = z.infer<typeof policyMetaSchema>;

/** Whether the features of `meta` are the ones this version computes (same names, same order). */
export function policyFeaturesMatch(meta: Pick<PolicyMeta, "features">): boolean {
  return meta.features.length === POLICY_FEATURES.length && meta.features.every((f, i) => f === POLICY_FEATURES[i]);
}
