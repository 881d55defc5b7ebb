// The network's training loop: one trainer (network, optimiser, seeded batches), early stopping with the best
// weights kept and checkpointed, and the refit on every sample.
import type * as tfNs from "@tensorflow/tfjs";
import { seededRandom } from "../domain/random.ts";
import { buildNet, clipByGlobalNorm, type NetSpec, pinballLoss } from "./lstm.ts";
import { readWeights } from "./netWeights.ts";
import type { NetWeights } from "./onnxExport.ts";
import type { TrainDeps, TrainOptions } from "./train.ts";

/** One network with its optimiser: trains epochs over sample indices and measures loss. */
export function createTrainer(
  tf: typeof tfNs,
  spec: NetSpec,
  opts: TrainOptions,
  data: { xs: Float32Array; ys: Float32Array; window: number; features: number },
) {
  const { xs, ys, window: W, features: F } = data;
  const net = buildNet(tf, spec, opts.seed);
  const optimizer = tf.train.adam(opts.learningRate);
  const random = seededRandom(opts.seed);
  const batch = (idx: readonly number[]) => {
    const bx = new Float32Array(idx.length * W * F);
    const by = new Float32Array(idx.length);
    idx.forEach((s, k) => {
      bx.set(xs.subarray(s * W * F, (s + 1) * W * F), k * W * F);
      by[k] = ys[s]!;
    });
    return { x: tf.tensor3d(bx, [idx.length, W, F]), y: tf.tensor2d(by, [idx.length, 1]) };
  };
  return {
    net,
    /** One pass over `idx` in a seeded random order; returns the mean training loss. */
    epoch(idx: readonly number[]): number {
      const order = shuffle([...idx], random);
      let sum = 0;
      for (let b = 0; b < order.length; b += opts.batchSize) {
        const part = order.slice(b, b + opts.batchSize);
        const { x, y } = batch(part);
        const { value, grads } = tf.variableGrads(() =>
          pinballLoss(tf, net.apply(x, { training: true }) as tfNs.Tensor, y, spec.quantiles),
        );
        const clipped = clipByGlobalNorm(tf, grads, opts.clipNorm);
        optimizer.applyGradients(clipped.grads as Parameters<typeof optimizer.applyGradients>[0]);
        sum += value.dataSync()[0]! * part.length;
        tf.dispose([x, y, value, ...Object.values(clipped.grads)]);
      }
      return sum / order.length;
    },
    /** Mean pinball loss on `idx` without dropout. */
    loss(idx: readonly number[]): number {
      let sum = 0;
      for (let b = 0; b < idx.length; b += 1024) {
        const { x, y } = batch(idx.slice(b, b + 1024));
        const l = tf.tidy(() => pinballLoss(tf, net.apply(x, { training: false }) as tfNs.Tensor, y, spec.quantiles));
        sum += l.dataSync()[0]! * x.shape[0];
        tf.dispose([x, y, l]);
      }
      return sum / Math.max(1, idx.length);
    },
    dispose(): void {
      optimizer.dispose();
      net.dispose();
    },
  };
}

function shuffle<T>(a: T[], random: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Epochs until validation stops improving for `patience` epochs; the best epoch's weights (checkpointed). */
export async function trainWithEarlyStopping(
  trainer: ReturnType<typeof createTrainer>,
  { trainIdx, valIdx }: { trainIdx: number[]; valIdx: number[] },
  opts: TrainOptions,
  deps: TrainDeps,
): Promise<{ loss: number; epoch: number; weights: NetWeights }> {
  let best = { loss: Number.POSITIVE_INFINITY, epoch: -1, weights: readWeights(trainer.net) };
  let sinceBest = 0;
  for (let epoch = 1; epoch <= opts.maxEpochs; epoch++) {
    const started = performance.now();
    const trainLoss = trainer.epoch(trainIdx);
    const vl = trainer.loss(valIdx);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    deps.log(`epoch ${epoch}: train ${trainLoss.toFixed(5)} validation ${vl.toFixed(5)} (${secs}s)`);
    if (vl < best.loss - 1e-6) {
      best = { loss: vl, epoch, weights: readWeights(trainer.net) };
      sinceBest = 0;
      await deps.checkpoint?.(epoch, best.weights, vl);
    } else if (++sinceBest >= opts.patience) {
      deps.log(`early stop: no improvement for ${opts.patience} epochs; best epoch ${best.epoch}`);
      break;
    }
  }
  return best;
}

/** A fresh network trained on all `count` samples for `epochs` epochs; its weights. */
export function refitOnAll(
  newTrainer: () => ReturnType<typeof createTrainer>,
  count: number,
  epochs: number,
  deps: TrainDeps,
): NetWeights {
  const all = Array.from({ length: count }, (_, i) => i);
  const refit = newTrainer();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const started = performance.now();
    const l = refit.epoch(all);
    deps.log(
      `refit epoch ${epoch}/${epochs}: train ${l.toFixed(5)} (${((performance.now() - started) / 1000).toFixed(1)}s)`,
    );
  }
  const weights = readWeights(refit.net);
  refit.dispose();
  return weights;
}
