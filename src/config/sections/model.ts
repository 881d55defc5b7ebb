import { z } from "zod";

/** The forecaster (predict stage). */
export const modelSection = z
  .strictObject({
    /** model.onnx (its model.json beside it); absent file → baseline forecaster with a reason. */
    path: z.string().min(1).default("models/keel-lstm/model.onnx"),
    baseline: z.enum(["persistence", "mean", "ema", "arima"]).default("mean"),
    /** Fall back to the baseline when the model's live MAE over this many past horizons exceeds the baseline's. */
    driftHorizons: z.number().int().min(1).max(52).default(4),
    /** Scored forecasts (source × tick) needed before drift can trigger a fallback. */
    driftMinSamples: z.number().int().min(1).max(100_000).default(20),
  })
  .prefault({});
