/** model.json: everything needed to serve and audit a trained model, validated on load. */
import { z } from "zod";
import { FEATURES } from "./features.ts";
import { trainedInputSchema } from "./inputs.ts";

/** The schema of model.json. */
export const modelMetaSchema = z.object({
  format: z.literal("keel-lstm/1"),
  features: z.array(z.string()).min(1),
  window: z.number().int().min(1),
  horizonDays: z.number().int().min(1),
  quantiles: z.array(z.number().gt(0).lt(1)).min(1),
  units: z.tuple([z.number().int().min(1), z.number().int().min(1)]),
  dropout: z.number().min(0).max(1),
  scaler: z.object({
    featureMean: z.array(z.number()),
    featureStd: z.array(z.number().positive()),
    targetMean: z.number(),
    targetStd: z.number().positive(),
  }),
  target: z.string(),
  /** The (kind, protocol) rate series it was trained on: it declines any other source. */
  inputs: z.array(trainedInputSchema).min(1),
  training: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  /** SHA-256 (hex) of model.onnx. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Parsed model.json. */
export type ModelMeta = z.infer<typeof modelMetaSchema>;

/** Human description of the target, stored in model.json. */
export const TARGET_DESCRIPTION =
  "log1p(mean APR % over [t, t + horizon)) - log1p(APR % of the last observation before t); quantile columns";

/** Whether the features of `meta` are the ones this code computes (same names, same order). */
export function featuresMatch(meta: Pick<ModelMeta, "features">): boolean {
  return meta.features.length === FEATURES.length && meta.features.every((f, i) => f === FEATURES[i]);
}
