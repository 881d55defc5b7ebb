import { z } from "zod";

/** The forecasters (predict stage). */
export const modelSection = z
  .strictObject({
    /** model.onnx (its model.json beside it); absent file → the other forecasters serve, with a reason. */
    path: z.string().min(1).default("models/keel-lstm/model.onnx"),
    /** The linear forecaster (`keel train` writes it beside the model); absent file → not a candidate. */
    linearPath: z.string().min(1).default("models/keel-lstm/linear.json"),
    /**
     * The baseline candidate, which serves whatever the trained forecasters cannot. `best`: per source,
     * the baseline with the lowest error on that source's own history (its kind's best in the shipped
     * evaluation until it can be scored).
     */
    baseline: z.enum(["best", "persistence", "mean", "ema", "arima"]).default("best"),
    /**
     * Per source, the kind's first forecaster (ensemble, model, linear, baseline) serves it unless another
     * is significantly better on that source's own realised horizons (the skill ledger).
     */
    skill: z
      .strictObject({
        /** Realised horizons (daily origins) of the last this many days are compared. */
        windowDays: z.number().int().min(7).max(365).default(90),
        /** Paired realised horizons needed before a challenger can be judged on a source. */
        minScored: z.number().int().min(2).max(365).default(30),
        /** One-sided confidence of the Diebold-Mariano test a challenger must pass (0.95: z ≤ −1.645). */
        confidence: z.number().min(0.5).max(0.999).default(0.95),
      })
      .prefault({}),
    /** Rolling per-source conformal calibration of the served P10/P90. */
    calibration: z
      .strictObject({
        /** Realised horizons of the last this many days set the shifts. */
        windowDays: z.number().int().min(7).max(730).default(90),
        /** Realised horizons needed before the band is calibrated. */
        minScored: z.number().int().min(5).max(730).default(20),
        /** The share of outcomes each tail (below P10, above P90) should hold. */
        tail: z.number().gt(0).lt(0.5).default(0.1),
      })
      .prefault({}),
  })
  .prefault({});
