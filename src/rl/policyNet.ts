/**
 * The PPO networks in TF.js. The actor scores every source with one shared MLP (so one policy serves any
 * number of sources, in any order) and idle with a learned constant; the softmax of the scores is the
 * target allocation. Exploration is Gaussian noise on the scores (a learned log-std). The critic pools
 * per-source embeddings (masked mean) into a state value. Batches pad sources to the largest count with a mask.
 */
import type * as tfNs from "@tensorflow/tfjs";
import { seededRandom } from "../domain/random.ts";

/** Sizes of the networks; stored in policy.json. */
export interface PolicySpec {
  readonly features: number;
  readonly hidden: readonly [number, number];
  readonly valueHidden: number;
}

/** The actor's trained weights (row-major, `[in, out]` kernels), what the ONNX export and serving use. */
export interface ActorWeights {
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
  readonly w3: Float32Array;
  readonly b3: Float32Array;
  /** Idle's score. */
  readonly idle: number;
}

/** Trainable variables of actor and critic. */
export interface PolicyVars {
  readonly actor: Record<"w1" | "b1" | "w2" | "b2" | "w3" | "b3" | "idle", tfNs.Variable>;
  readonly logStd: tfNs.Variable;
  readonly critic: Record<"v1" | "c1" | "v2" | "c2" | "v3" | "c3", tfNs.Variable>;
}

/** Glorot-uniform initial weights from a seeded generator (the same seed gives the same network). */
function glorot(random: () => number, fanIn: number, fanOut: number, gain = 1): Float32Array {
  const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => (2 * random() - 1) * limit);
}

/**
 * Fresh networks: seeded weights, zero biases, a small output layer (near-equal weights across sources
 * at first) and idle's score at `init.idleScore` (below 0: mostly invested at first).
 */
export function createPolicyVars(
  tf: typeof tfNs,
  spec: PolicySpec,
  seed: number,
  init: { readonly logStd: number; readonly idleScore: number },
): PolicyVars {
  const random = seededRandom(seed);
  const [h1, h2] = spec.hidden;
  const F = spec.features;
  const hv = spec.valueHidden;
  const v = (data: Float32Array, shape: number[]) => tf.variable(tf.tensor(data, shape), true);
  const zeros = (n: number) => new Float32Array(n);
  return {
    actor: {
      w1: v(glorot(random, F, h1), [F, h1]),
      b1: v(zeros(h1), [h1]),
      w2: v(glorot(random, h1, h2), [h1, h2]),
      b2: v(zeros(h2), [h2]),
      w3: v(glorot(random, h2, 1, 0.1), [h2, 1]),
      b3: v(zeros(1), [1]),
      idle: v(Float32Array.of(init.idleScore), [1]),
    },
    logStd: v(Float32Array.of(init.logStd), [1]),
    critic: {
      v1: v(glorot(random, F, hv), [F, hv]),
      c1: v(zeros(hv), [hv]),
      v2: v(glorot(random, hv, hv), [hv, hv]),
      c2: v(zeros(hv), [hv]),
      v3: v(glorot(random, hv, 1, 0.1), [hv, 1]),
      c3: v(zeros(1), [1]),
    },
  };
}

/** A padded batch: observations `[B, N, F]`, and which of the `N + 1` action slots are real (idle last). */
export interface PaddedBatch {
  readonly obs: tfNs.Tensor3D;
  /** `[B, N + 1]`: 1 for a real source or idle, 0 for padding. */
  readonly mask: tfNs.Tensor2D;
}

/** The actor's mean scores `[B, N + 1]` (idle last; padding slots are meaningless). */
export function actorMean(tf: typeof tfNs, vars: PolicyVars, batch: PaddedBatch): tfNs.Tensor2D {
  return tf.tidy(() => {
    const [B, N, F] = batch.obs.shape;
    const a = vars.actor;
    const x = batch.obs.reshape([B * N, F]);
    const h1 = tf.tanh(tf.add(tf.matMul(x, a.w1), a.b1));
    const h2 = tf.tanh(tf.add(tf.matMul(h1, a.w2), a.b2));
    const s = tf.add(tf.matMul(h2, a.w3), a.b3).reshape([B, N]);
    return tf.concat([s, tf.mul(tf.onesLike(s.slice([0, 0], [B, 1])), a.idle)], 1) as tfNs.Tensor2D;
  });
}

/** The critic's state values `[B]`. */
export function criticValue(tf: typeof tfNs, vars: PolicyVars, batch: PaddedBatch): tfNs.Tensor1D {
  return tf.tidy(() => {
    const [B, N, F] = batch.obs.shape;
    const c = vars.critic;
    const e = tf.tanh(tf.add(tf.matMul(batch.obs.reshape([B * N, F]), c.v1), c.c1)).reshape([B, N, -1]);
    const m = batch.mask.slice([0, 0], [B, N]).reshape([B, N, 1]);
    const pooled = tf.div(tf.sum(tf.mul(e, m), 1), tf.maximum(tf.sum(m, 1), 1));
    const h = tf.tanh(tf.add(tf.matMul(pooled, c.v2), c.c2));
    return tf.add(tf.matMul(h, c.v3), c.c3).reshape([B]) as tfNs.Tensor1D;
  });
}

/** Log-density of scores `z` under N(mean, exp(logStd)²), summed over the real slots: `[B]`. */
export function gaussianLogProb(
  tf: typeof tfNs,
  mean: tfNs.Tensor2D,
  logStd: tfNs.Tensor,
  z: tfNs.Tensor2D,
  mask: tfNs.Tensor2D,
): tfNs.Tensor1D {
  return tf.tidy(() => {
    const std = tf.exp(logStd);
    const u = tf.div(tf.sub(z, mean), std);
    const per = tf.sub(tf.mul(-0.5, tf.square(u)), tf.add(logStd, 0.5 * Math.log(2 * Math.PI)));
    return tf.sum(tf.mul(per, mask), 1) as tfNs.Tensor1D;
  });
}

/** The actor's weights as plain arrays (for rollouts, export and serving). */
export function readActor(vars: PolicyVars): ActorWeights {
  const a = vars.actor;
  const get = (t: tfNs.Variable) => (t.dataSync() as Float32Array).slice();
  return {
    w1: get(a.w1),
    b1: get(a.b1),
    w2: get(a.w2),
    b2: get(a.b2),
    w3: get(a.w3),
    b3: get(a.b3),
    idle: get(a.idle)[0]!,
  };
}

/** Mean scores of one state (`n` sources × F features), idle last, in plain JavaScript (rollouts). */
export function actorScores(w: ActorWeights, spec: PolicySpec, obs: Float32Array, n: number): Float64Array {
  const F = spec.features;
  const [h1, h2] = spec.hidden;
  const out = new Float64Array(n + 1);
  const a = new Float64Array(h1);
  const b = new Float64Array(h2);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < h1; j++) {
      let acc = w.b1[j]!;
      for (let k = 0; k < F; k++) acc += obs[s * F + k]! * w.w1[k * h1 + j]!;
      a[j] = Math.tanh(acc);
    }
    for (let j = 0; j < h2; j++) {
      let acc = w.b2[j]!;
      for (let k = 0; k < h1; k++) acc += a[k]! * w.w2[k * h2 + j]!;
      b[j] = Math.tanh(acc);
    }
    let score = w.b3[0]!;
    for (let k = 0; k < h2; k++) score += b[k]! * w.w3[k]!;
    out[s] = score;
  }
  out[n] = w.idle;
  return out;
}

/** Softmax of scores (the target weights, idle last). */
export function softmax(scores: ArrayLike<number>): Float32Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i]!);
  const e = Array.from({ length: scores.length }, (_, i) => Math.exp(scores[i]! - max));
  const sum = e.reduce((x, y) => x + y, 0);
  return Float32Array.from(e, (x) => x / sum);
}
