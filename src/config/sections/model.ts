import { z } from "zod";

/** The forecaster (predict stage). */
export const modelSection = z
  .strictObject({
    /** model.onnx (its model.json beside it); absent file → baseline forecaster with a reason. */
    path: z.string().min(1).default("models/keel-lstm/model.onnx"),
    /**
     * The forecaster used without the model, and for sources with less history than the model needs.
     * `best`: per source, the baseline with the lowest error on that source's own history (its kind's
     * best in the shipped evaluation until it can be scored).
     */
    baseline: z.enum(["best", "persistence", "mean", "ema", "arima"]).default("best"),
    /** Fall back to the baseline when the model's live MAE over this many past horizons exceeds the baseline's. */
    driftHorizons: z.number().int().min(1).max(52).default(4),
    /** Scored forecasts (source × tick) needed before drift can trigger a fallback. */
    driftMinSamples: z.number().int().min(1).max(100_000).default(20),
  })
  .prefault({});
