import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { loadOnnxForecaster } from "../../../src/adapters/onnx/onnxForecaster.ts";
import type { Dataset, RatePoint } from "../../../src/domain/dataset.ts";
import type { KeelError } from "../../../src/domain/errors.ts";
import { observeDataset } from "../../../src/ml/datasetView.ts";
import { tfWasm } from "../../../src/ml/tfBackend.ts";
import { defaultTrainOptions, trainModel } from "../../../src/ml/train.ts";
import { writeModel } from "./tinyModel.ts";

const T0 = Date.UTC(2023, 0, 1) / 1000;
const DAY = 86_400;

function dataset(days: number): Dataset {
  const pools: Dataset["pools"] = [];
  const rates = new Map<string, RatePoint[]>();
  for (let k = 0; k < 3; k++) {
    const id = `pool-${k}`;
    pools.push({
      poolId: id,
      protocol: "p",
      kind: k === 2 ? "lp" : "lending",
      asset: k === 2 ? "WETH/USDT" : "USDC",
      chain: "eth",
      feeTierPct: null,
    });
    rates.set(
      id,
      Array.from({ length: days * 4 }, (_, q) => ({
        t: T0 + q * 6 * 3600,
        aprPct: 3 + k + Math.sin(q / (20 + 7 * k)) + 0.2 * Math.sin(q * 1.3),
        tvlUsd: 2e6 + q * 100,
        utilization: k === 2 ? null : 0.6,
      })),
    );
  }
  const eth = Array.from({ length: days }, (_, d) => ({ t: T0 + d * DAY, priceUsd: 2000 + 200 * Math.sin(d / 15) }));
  return { pools, rates, prices: new Map([["ETH", eth]]), gas: [], incidents: [], cleaning: {} };
}

const small = {
  ...defaultTrainOptions,
  window: 6,
  units: [4, 3] as [number, number],
  batchSize: 64,
  maxEpochs: 3,
  patience: 2,
  validationDays: 40,
};

describe("training", function () {
  this.timeout(60_000);

  it("trains on a small generated dataset, checkpoints, and exports a model the server loads", async () => {
    const tf = await tfWasm();
    const data = dataset(260);
    const endDay = T0 + 250 * DAY;
    const checkpoints: number[] = [];
    const { onnx, meta } = await trainModel(
      data,
      { ...small, endDay },
      { tf, log: () => {}, checkpoint: async (epoch) => void checkpoints.push(epoch) },
    );
    expect(checkpoints.length).to.be.greaterThan(0);
    expect(meta.training).to.include({ dataBefore: new Date((endDay + DAY) * 1000).toISOString(), seed: 42 });
    const dir = mkdtempSync(join(tmpdir(), "keel-train-"));
    try {
      const sha256 = createHash("sha256").update(onnx).digest("hex");
      const model = await loadOnnxForecaster(writeModel(dir, onnx, { ...meta, sha256 }));
      const out = await model.forecast({
        ...observeDataset(data, endDay, { lookbackDays: 160, maxAgeSeconds: 3 * DAY }),
        horizonDays: 7,
      });
      expect(Object.keys(out).sort()).to.deep.equal(["pool-0", "pool-1", "pool-2"]);
      for (const f of Object.values(out)) expect(f.p50).to.be.within(0, 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is deterministic for a fixed seed", async () => {
    const tf = await tfWasm();
    const data = dataset(200);
    const opts = { ...small, maxEpochs: 1, refit: false, endDay: T0 + 190 * DAY };
    const a = await trainModel(data, opts, { tf, log: () => {} });
    const b = await trainModel(data, opts, { tf, log: () => {} });
    expect(Buffer.from(a.onnx).equals(Buffer.from(b.onnx))).to.equal(true);
  });

  it("refuses to train with too few samples before the cut-off", async () => {
    const tf = await tfWasm();
    const err = await trainModel(dataset(60), { ...small, endDay: T0 + 50 * DAY }, { tf, log: () => {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as KeelError).code).to.equal("TRAIN_TOO_FEW_SAMPLES");
  });
});
