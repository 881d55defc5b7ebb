/** The forecaster network: 2 stacked LSTM layers with dropout and a dense quantile head (TF.js). */
import type * as tfNs from "@tensorflow/tfjs";

/** The network's shape; stored in model.json. */
export interface NetSpec {
  readonly window: number;
  readonly features: number;
  readonly units: readonly [number, number];
  readonly dropout: number;
  readonly quantiles: readonly number[];
}

/** Builds the network with seeded initialisers. Recurrent activation is sigmoid (what ONNX LSTM uses). */
export function buildNet(tf: typeof tfNs, spec: NetSpec, seed: number): tfNs.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  const input = tf.input({ shape: [spec.window, spec.features] });
  let h = input;
  // Layer i's kernel, recurrent and dropout seeds are seed + 3i + 1, + 2, + 3; only the last returns one step.
  for (const [i, units] of spec.units.entries()) {
    h = tf.layers
      .lstm({
        units,
        returnSequences: i < spec.units.length - 1,
        recurrentActivation: "sigmoid",
        kernelInitializer: init(3 * i + 1),
        recurrentInitializer: init(3 * i + 2),
        name: `lstm${i + 1}`,
      })
      .apply(h) as tfNs.SymbolicTensor;
    h = tf.layers.dropout({ rate: spec.dropout, seed: seed + 3 * i + 3 }).apply(h) as tfNs.SymbolicTensor;
  }
  const out = tf.layers
    .dense({ units: spec.quantiles.length, kernelInitializer: init(7), name: "head" })
    .apply(h) as tfNs.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Mean pinball (quantile) loss over the quantile columns of `pred` against `y` ([N, 1]). */
export function pinballLoss(
  tf: typeof tfNs,
  pred: tfNs.Tensor,
  y: tfNs.Tensor,
  quantiles: readonly number[],
): tfNs.Scalar {
  return tf.tidy(() => {
    const q = tf.tensor1d([...quantiles]);
    const diff = tf.sub(y, pred); // [N, Q]
    const loss = tf.maximum(tf.mul(q, diff), tf.mul(tf.sub(q, 1), diff));
    return tf.mean(loss) as tfNs.Scalar;
  });
}

/** Scales gradients so their global L2 norm is at most `maxNorm`. */
export function clipByGlobalNorm(
  tf: typeof tfNs,
  grads: Record<string, tfNs.Tensor>,
  maxNorm: number,
): { grads: Record<string, tfNs.Tensor>; norm: number } {
  const norm = tf.tidy(() => Math.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))).dataSync()[0]!));
  if (!(norm > maxNorm)) return { grads, norm };
  const scale = maxNorm / norm;
  const out: Record<string, tfNs.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) {
    out[k] = tf.mul(g, scale);
    g.dispose();
  }
  return { grads: out, norm };
}
