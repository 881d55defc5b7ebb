import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import * as ort from "onnxruntime-node";
import { loadModelOrReason, loadOnnxForecaster } from "../../../src/adapters/onnx/onnxForecaster.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { createBaseline } from "../../../src/ml/baselines.ts";
import { predictScaled } from "../../../src/ml/netWeights.ts";
import { ONNX_INPUT, ONNX_OUTPUT } from "../../../src/ml/onnxExport.ts";
import { scaleFeatures } from "../../../src/ml/scaler.ts";
import { createPredictStage } from "../../../src/pipeline/predict/predict.ts";
import { hourly, observed, predictOptions } from "./helpers.ts";
import { tinyModel, tinySpec, writeModel } from "./tinyModel.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;

describe("ONNX export and serving", function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "keel-model-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("the ONNX graph and the TF.js network agree to 1e-4 on the same inputs", async () => {
    const m = await tinyModel();
    const n = 9;
    const { window: W, features: F } = tinySpec;
    const x = Float32Array.from({ length: n * W * F }, (_, i) => Math.sin(i * 0.37) * 2 + (i % 5) * 0.1);
    const tfOut = predictScaled(
      m.tf,
      m.net,
      m.weights,
      scaleFeatures(x, m.scaler),
      [...Array(n).keys()],
      W,
      F,
      m.scaler,
    );
    const session = await ort.InferenceSession.create(m.onnx);
    const res = await session.run({ [ONNX_INPUT]: new ort.Tensor("float32", x, [n, W, F]) });
    const onnxOut = res[ONNX_OUTPUT]!.data as Float32Array;
    expect(onnxOut.length).to.equal(tfOut.length);
    let maxDiff = 0;
    for (let i = 0; i < tfOut.length; i++) maxDiff = Math.max(maxDiff, Math.abs(onnxOut[i]! - tfOut[i]!));
    expect(maxDiff).to.be.lessThan(1e-4);
    expect(new Set(Array.from(onnxOut, (v) => v.toFixed(3))).size).to.be.greaterThan(3);
  });

  it("loads a model whose hash matches and forecasts every source with history in one batch", async () => {
    const m = await tinyModel();
    const model = await loadOnnxForecaster(writeModel(dir, m.onnx, m.meta));
    expect(model.hash).to.equal(m.meta.sha256);
    const input = observed(T0 + 40 * 86_400, {
      a: hourly(T0, 24 * 40, (h) => 3 + Math.sin(h / 50)),
      b: hourly(T0, 24 * 40, (h) => 8 + Math.cos(h / 30)),
      fresh: [],
    });
    const out = await model.forecast({ ...input, horizonDays: 7 });
    expect(Object.keys(out).sort()).to.deep.equal(["a", "b"]);
    for (const f of Object.values(out)) {
      expect(f.p10).to.be.at.most(f.p50);
      expect(f.p50).to.be.at.most(f.p90);
      expect(f.p10).to.be.at.least(0);
    }
  });

  it("refuses to forecast a horizon the model was not trained for (so predict falls back)", async () => {
    const m = await tinyModel();
    const model = await loadOnnxForecaster(writeModel(dir, m.onnx, m.meta));
    const input = { ...observed(T0 + 40 * 86_400, { a: hourly(T0, 24 * 40, () => 3) }), horizonDays: 14 };
    const err = await model.forecast(input).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as KeelError).code).to.equal("MODEL_HORIZON_MISMATCH");
  });

  it("refuses a model file whose SHA-256 differs from model.json", async () => {
    const m = await tinyModel();
    const path = writeModel(dir, m.onnx, { ...m.meta, sha256: "0".repeat(64) });
    const err = await loadOnnxForecaster(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal("MODEL_HASH_MISMATCH");
  });

  it("refuses a corrupt model file even when model.json carries its hash", async () => {
    const m = await tinyModel();
    const garbage = Buffer.from("this is not an onnx model at all");
    const { createHash } = await import("node:crypto");
    const path = writeModel(dir, garbage, { ...m.meta, sha256: createHash("sha256").update(garbage).digest("hex") });
    const err = await loadOnnxForecaster(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as KeelError).code).to.equal("MODEL_UNAVAILABLE");
  });

  it("refuses a model whose input shape does not match model.json's window", async () => {
    const m = await tinyModel();
    const err = await loadOnnxForecaster(writeModel(dir, m.onnx, { ...m.meta, window: 9 })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as KeelError).code).to.equal("MODEL_UNAVAILABLE");
    expect((err as KeelError).message).to.match(/input shape/);
  });

  it("the shipped model loads: its hash matches model.json and its input shape the feature list", async () => {
    const shipped = fileURLToPath(new URL("../../../models/keel-lstm/model.onnx", import.meta.url));
    const model = await loadOnnxForecaster(shipped);
    const out = await model.forecast({
      ...observed(T0 + 120 * 86_400, { a: hourly(T0, 24 * 120, () => 4) }),
      horizonDays: 7,
    });
    expect(out.a!.p50).to.be.within(0, 100);
  });

  for (const [what, damage] of [
    ["a corrupt model file", (path: string) => writeFileSync(path, "garbage")],
    ["a missing model file", (path: string) => rmSync(path)],
  ] as const) {
    it(`the predict stage falls back to the baseline with a reason on ${what}`, async () => {
      const m = await tinyModel();
      const path = writeModel(dir, m.onnx, m.meta);
      damage(path);
      const loaded = await loadModelOrReason(path);
      expect(loaded.model).to.equal(undefined);
      const stage = createPredictStage(predictOptions(7), {
        model: loaded.model,
        modelUnavailableReason: loaded.reason ?? "",
        baseline: createBaseline("mean"),
      });
      const r = await stage.run(
        observed(T0 + 20 * 86_400, { a: hourly(T0, 24 * 20, () => 3) }),
        new AbortController().signal,
      );
      if (r.status !== "ok") throw new Error("expected ok");
      expect(r.value.forecaster).to.equal("mean");
      expect(r.value.fallbackReason).to.match(/^\[MODEL_(HASH_MISMATCH|UNAVAILABLE)\]/);
      expect(r.value.sources.a!.p50).to.be.closeTo(3, 1e-9);
    });
  }
});
