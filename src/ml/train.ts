/**
 * Training of the LSTM quantile forecaster in TF.js (wasm backend): chronological train/validation
 * split, scaler fit on the training split only, pinball loss, dropout, gradient clipping, early
 * stopping with the best weights kept (and checkpointed), a fixed seed. Returns the ONNX bytes and
 * the model.json content; writing them is the caller's job.
 */

import type * as tfNs from "@tensorflow/tfjs";
import type { Dataset } from "../domain/dataset.ts";
import { KeelError } from "../domain/errors.ts";
import { FEATURES } from "./features.ts";
import { trainedInputs } from "./inputs.ts";
import type { NetSpec } from "./lstm.ts";
import { TARGET_DESCRIPTION } from "./modelMeta.ts";
import { predictScaled } from "./netWeights.ts";
import { exportOnnx, type NetWeights } from "./onnxExport.ts";
import { buildSamples, type Samples } from "./samples.ts";
import { fitScaler, scaleFeatures } from "./scaler.ts";
import { DAY } from "./series.ts";
import { createTrainer, refitOnAll, trainWithEarlyStopping } from "./trainer.ts";

/** Hyper-parameters and ranges; defaults make the shipped model. */
export interface TrainOptions {
  /** Last day whose data may be used (inclusive, unix s of its 00:00 UTC). */
  readonly endDay: number;
  readonly seed: number;
  readonly maxEpochs: number;
  readonly window: number;
  readonly horizonDays: number;
  readonly units: readonly [number, number];
  readonly dropout: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly patience: number;
  readonly clipNorm: number;
  /** The last this many days of origins form the validation split. */
  readonly validationDays: number;
  readonly minHistoryDays: number;
  /** After early stopping, retrain from scratch on train + validation for the best epoch count. */
  readonly refit: boolean;
}

export const defaultTrainOptions: Omit<TrainOptions, "endDay"> = {
  seed: 42,
  maxEpochs: 40,
  window: 28,
  horizonDays: 7,
  units: [32, 16],
  dropout: 0.1,
  batchSize: 256,
  learningRate: 2e-3,
  patience: 6,
  clipNorm: 1,
  validationDays: 150,
  minHistoryDays: 30,
  refit: true,
};

/** What training reports as it goes (stderr in the CLI), and where checkpoints go. */
export interface TrainDeps {
  readonly tf: typeof tfNs;
  readonly log: (message: string) => void;
  readonly checkpoint?: (epoch: number, weights: NetWeights, valLoss: number) => Promise<void>;
}

/** The trained model: ONNX bytes and the model.json fields except the hash. */
export interface TrainResult {
  readonly onnx: Uint8Array;
  readonly meta: Record<string, unknown>;
}

/** Trains on `data` up to `opts.endDay` and exports the model. */
export async function trainModel(data: Dataset, opts: TrainOptions, deps: TrainDeps): Promise<TrainResult> {
  const { tf } = deps;
  const F = FEATURES.length;
  const W = opts.window;
  const h = opts.horizonDays * DAY;
  const cutoff = opts.endDay + DAY; // data strictly before this instant
  const samples = buildSamples(data, {
    window: W,
    horizonDays: opts.horizonDays,
    from: 0,
    to: cutoff - h,
    targetEnd: cutoff,
    minHistoryDays: opts.minHistoryDays,
  });
  const valStart = cutoff - h - opts.validationDays * DAY;
  const { trainIdx, valIdx } = splitSamples(samples.t, { valStart, h, batchSize: opts.batchSize, cutoff });
  const scaler = fitScaler(samples.x, samples.y, F, W, trainIdx);
  const xs = scaleFeatures(samples.x, scaler);
  const ys = samples.y.map((v) => (v - scaler.targetMean) / scaler.targetStd);
  deps.log(`samples: ${trainIdx.length} train, ${valIdx.length} validation (from ${iso(valStart)})`);

  const spec: NetSpec = {
    window: W,
    features: F,
    units: opts.units,
    dropout: opts.dropout,
    quantiles: [0.1, 0.5, 0.9],
  };
  const scaled = { xs, ys, window: W, features: F };
  const trainer = createTrainer(tf, spec, opts, scaled);
  const best = await trainWithEarlyStopping(trainer, { trainIdx, valIdx }, opts, deps);
  const metrics = validationMetrics(
    samples,
    valIdx,
    predictScaled(tf, trainer.net, best.weights, xs, valIdx, W, F, scaler),
  );
  trainer.dispose();

  // Refit: a fresh network (same seed and scaler) on every sample before the cut-off, for the
  // epoch count early stopping chose, so the shipped model has seen the most recent months too.
  const finalWeights = opts.refit
    ? refitOnAll(() => createTrainer(tf, spec, opts, scaled), samples.t.length, best.epoch, deps)
    : best.weights;
  const onnx = exportOnnx(spec, finalWeights, scaler, `keel LSTM forecaster, data before ${iso(cutoff)}`);
  const meta = {
    format: "keel-lstm/1",
    features: [...FEATURES],
    window: W,
    horizonDays: opts.horizonDays,
    quantiles: spec.quantiles,
    units: spec.units,
    dropout: spec.dropout,
    scaler,
    target: TARGET_DESCRIPTION,
    inputs: trainedInputs(data.pools.filter((p) => samples.poolId.includes(p.poolId))),
    training: {
      dataBefore: iso(cutoff),
      firstOrigin: iso(Math.min(...trainIdx.map((i) => samples.t[i]!))),
      validationFrom: iso(valStart),
      trainSamples: trainIdx.length,
      validationSamples: valIdx.length,
      seed: opts.seed,
      bestEpoch: best.epoch,
      bestValidationPinball: best.loss,
      refitOnAllSamples: opts.refit,
      hyperparameters: { ...opts, endDay: iso(opts.endDay) },
    },
    metrics,
  };
  return { onnx, meta };
}

/**
 * The chronological split: origins from `valStart` validate; training targets end before the first validation origin
 * (no overlap between the splits). Too few samples to train is an error.
 */
function splitSamples(
  origins: readonly number[],
  { valStart, h, batchSize, cutoff }: { valStart: number; h: number; batchSize: number; cutoff: number },
): { trainIdx: number[]; valIdx: number[] } {
  const trainIdx: number[] = [];
  const valIdx: number[] = [];
  origins.forEach((t, i) => {
    if (t >= valStart) valIdx.push(i);
    else if (t + h <= valStart) trainIdx.push(i);
  });
  if (trainIdx.length < batchSize || valIdx.length === 0) {
    throw new KeelError(
      "TRAIN_TOO_FEW_SAMPLES",
      `too few samples to train (${trainIdx.length} train, ${valIdx.length} validation) before ${iso(cutoff)}`,
      { retryable: false },
    );
  }
  return { trainIdx, valIdx };
}

function iso(t: number): string {
  return new Date(t * 1000).toISOString();
}

/** Validation MAE (APR points) of the model's P50 vs persistence, and P10-P90 coverage. */
function validationMetrics(s: Samples, idx: readonly number[], out: Float32Array) {
  let mae = 0;
  let maePersistence = 0;
  let covered = 0;
  idx.forEach((i, k) => {
    const base = Math.log1p(Math.max(0, s.current[i]!));
    const q = [0, 1, 2].map((c) => Math.max(0, Math.expm1(base + out[k * 3 + c]!))).sort((a, b) => a - b);
    const actual = Math.expm1(base + s.y[i]!);
    mae += Math.abs(q[1]! - actual);
    maePersistence += Math.abs(s.current[i]! - actual);
    if (actual >= q[0]! && actual <= q[2]!) covered++;
  });
  const n = Math.max(1, idx.length);
  return {
    validation: { mae: mae / n, maePersistence: maePersistence / n, coverageP10P90: covered / n, samples: idx.length },
  };
}
