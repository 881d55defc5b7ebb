import { createHash } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readDataset } from "../adapters/dataset/reader.ts";
import { KeelError } from "../domain/errors.ts";
import { fitLinear, LINEAR_FILE } from "../ml/linear.ts";
import { tfWasm } from "../ml/tfBackend.ts";
import { defaultTrainOptions, trainModel } from "../ml/train.ts";

/** Options of `keel train` (see src/main.ts). */
export interface TrainCommandOptions {
  readonly data: string;
  readonly out: string;
  readonly seed?: number;
  readonly end?: string;
  readonly epochs?: number;
}

/** Parses YYYY-MM-DD to the unix seconds of that day's 00:00 UTC, or throws a bad-input error. */
export function parseDay(value: string, option: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new KeelError("BAD_INPUT", `${option} must be a date YYYY-MM-DD, got "${value.slice(0, 30)}"`);
  }
  return ms / 1000;
}

/** Writes a file through a temporary beside it and a rename. */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${file}.tmp`, data);
  await rename(`${file}.tmp`, file);
}

/**
 * `keel train`: reads the dataset, trains on data up to `--end` (default 2024-06-30), writes
 * model.onnx and model.json (with the SHA-256 of model.onnx) to `--out`, checkpoints the best
 * weights in `--out/checkpoints/`, and fits the linear forecaster on the same samples (linear.json).
 * Progress goes to stderr.
 */
export async function trainCommand(opts: TrainCommandOptions): Promise<void> {
  const endDay = parseDay(opts.end ?? "2024-06-30", "--end");
  const log = (m: string) => process.stderr.write(`train: ${m}\n`);
  log(`reading ${opts.data}`);
  const data = await readDataset(opts.data, { onProgress: (file, rows) => log(`${file}: ${rows} rows`) });
  const tf = await tfWasm();
  await mkdir(join(opts.out, "checkpoints"), { recursive: true });
  const { onnx, meta } = await trainModel(
    data,
    {
      ...defaultTrainOptions,
      endDay,
      seed: opts.seed ?? defaultTrainOptions.seed,
      maxEpochs: opts.epochs ?? defaultTrainOptions.maxEpochs,
    },
    {
      tf,
      log,
      checkpoint: (epoch, weights, valLoss) =>
        writeAtomic(
          join(opts.out, "checkpoints", "best.json"),
          JSON.stringify({
            epoch,
            valLoss,
            weights: JSON.parse(JSON.stringify(weights, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v))),
          }),
        ),
    },
  );
  const sha256 = createHash("sha256").update(onnx).digest("hex");
  await writeAtomic(join(opts.out, "model.onnx"), onnx);
  await writeAtomic(
    join(opts.out, "model.json"),
    `${JSON.stringify({ ...meta, training: { ...(meta.training as object), dataset: opts.data }, sha256 }, null, 2)}\n`,
  );
  log(`wrote ${join(opts.out, "model.onnx")} (sha256 ${sha256})`);
  log(`validation: ${JSON.stringify(meta.metrics)}`);
  // The linear forecaster: same samples, same cut-off (deterministic: no seed).
  const linear = fitLinear(data, {
    endDay,
    horizonDays: defaultTrainOptions.horizonDays,
    minHistoryDays: defaultTrainOptions.minHistoryDays,
  });
  await writeAtomic(
    join(opts.out, LINEAR_FILE),
    `${JSON.stringify({ ...linear, training: { ...linear.training, dataset: opts.data } }, null, 2)}\n`,
  );
  log(
    `wrote ${join(opts.out, LINEAR_FILE)} (${Object.entries(linear.kinds)
      .map(([k, v]) => `${k}: ${v.samples} samples`)
      .join(", ")})`,
  );
}
