// ML benchmarks: single-tick inference latency (features + one ONNX batch) for 10 and 100 sources,
// baseline latency, and walk-forward evaluation throughput (forecasts per second).
// Uses models/keel-lstm when present (else an untrained network of the same shape) and
// ../shared/data/keel-train (beside the repository) when present (else a synthetic dataset).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { readDataset } from "../src/adapters/dataset/reader.ts";
import { createOnnxForecaster, loadOnnxForecaster } from "../src/adapters/onnx/onnxForecaster.ts";
import type { Dataset, RatePoint } from "../src/domain/dataset.ts";
import { seededRandom } from "../src/domain/random.ts";
import { createBaseline } from "../src/ml/baselines.ts";
import { observeDataset } from "../src/ml/datasetView.ts";
import { evaluateForecasters } from "../src/ml/evaluate.ts";
import { FEATURES } from "../src/ml/features.ts";
import { modelMetaSchema } from "../src/ml/modelMeta.ts";
import { exportOnnx } from "../src/ml/onnxExport.ts";
import type { Forecaster } from "../src/ports/forecaster.ts";

const MODEL = "models/keel-lstm/model.onnx";
const DATA = process.env.KEEL_DATA ?? fileURLToPath(new URL("../../shared/data/keel-train", import.meta.url));
const DAY = 86_400;
const T0 = Date.UTC(2024, 0, 1) / 1000;

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: `ml.${name}`, value: Number(value.toFixed(3)), unit, ...extra }));
}

async function model(): Promise<{ forecaster: Forecaster; kind: string }> {
  if (existsSync(MODEL)) return { forecaster: await loadOnnxForecaster(MODEL), kind: "shipped" };
  // Same shape as the shipped model, random weights: latency does not depend on the values.
  const random = seededRandom(1);
  const r = (n: number) => Float32Array.from({ length: n }, () => (random() - 0.5) * 0.2);
  const F = FEATURES.length;
  const spec = { window: 28, features: F, units: [32, 16] as [number, number], dropout: 0, quantiles: [0.1, 0.5, 0.9] };
  const lstm = (i: number, h: number) => ({ kernel: r(i * 4 * h), recurrent: r(h * 4 * h), bias: r(4 * h) });
  const scaler = { featureMean: new Array(F).fill(0), featureStd: new Array(F).fill(1), targetMean: 0, targetStd: 1 };
  const weights = { lstm1: lstm(F, 32), lstm2: lstm(32, 16), head: { kernel: r(16 * 3), bias: r(3) } };
  const bytes = exportOnnx(spec, weights, scaler, "bench");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const meta = modelMetaSchema.parse({
    format: "keel-lstm/1",
    ...spec,
    features: [...FEATURES],
    horizonDays: 7,
    scaler,
    target: "",
    training: {},
    metrics: {},
    sha256,
  });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  return { forecaster: createOnnxForecaster(session, meta, sha256), kind: "untrained" };
}

function syntheticDataset(sources: number, days: number): Dataset {
  const rates = new Map<string, RatePoint[]>();
  const pools: Dataset["pools"] = [];
  for (let k = 0; k < sources; k++) {
    const id = `src-${k}`;
    pools.push({
      poolId: id,
      protocol: "aave-v3",
      kind: k % 3 === 0 ? "lp" : "lending",
      asset: k % 3 === 0 ? "WETH/USDT" : "USDC",
      chain: "ethereum",
      feeTierPct: null,
    });
    rates.set(
      id,
      Array.from({ length: days * 24 }, (_, h) => ({
        t: T0 + h * 3600,
        aprPct: 3 + k * 0.1 + Math.sin(h / (30 + k)),
        tvlUsd: 1e7 + h,
        utilization: 0.6,
      })),
    );
  }
  const eth = Array.from({ length: days * 24 }, (_, h) => ({
    t: T0 + h * 3600,
    priceUsd: 2000 + 100 * Math.sin(h / 50),
  }));
  return { pools, rates, prices: new Map([["ETH", eth]]), gas: [], incidents: [], cleaning: {} };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function latency(f: Forecaster, sources: number, runs: number): Promise<number> {
  const data = syntheticDataset(sources, 130);
  const view = observeDataset(data, T0 + 125 * DAY, { lookbackDays: 160, maxAgeSeconds: 3 * DAY });
  const input = { ...view, horizonDays: 7 };
  await f.forecast(input); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const out = await f.forecast(input);
    times.push(performance.now() - t);
    if (Object.keys(out).length !== sources) throw new Error("not every source was forecast");
  }
  return median(times);
}

const m = await model();
for (const n of [10, 100]) {
  emit(`inference_tick_${n}_sources`, await latency(m.forecaster, n, 30), "ms", { model: m.kind, median_of: 30 });
}
emit("baseline_mean_tick_100_sources", await latency(createBaseline("mean"), 100, 10), "ms", { median_of: 10 });

const real = existsSync(`${DATA}/rates.csv`);
const data = real ? await readDataset(DATA) : syntheticDataset(17, 400);
const start = real ? Date.UTC(2024, 6, 1) / 1000 : T0 + 300 * DAY;
const forecasters = [m.forecaster, ...(["persistence", "mean", "ema", "arima"] as const).map((n) => createBaseline(n))];
const t = performance.now();
const r = await evaluateForecasters(data, forecasters, { start, end: start + 29 * DAY, horizonDays: 7 });
const secs = (performance.now() - t) / 1000;
const scored = Object.values(r.rows).reduce((n, rows) => n + rows.length, 0);
emit("evaluation_throughput", scored / secs, "forecasts/s", {
  forecasts: scored,
  seconds: Number(secs.toFixed(2)),
  dataset: real ? "keel-train" : "synthetic",
  model: m.kind,
});
