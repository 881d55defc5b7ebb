/**
 * Proximal policy optimisation (clipped surrogate, GAE) for the allocation policy: a recording agent for
 * rollouts (Gaussian noise on the actor's scores, softmax to weights) and the minibatch update in TF.js.
 */
import type * as tfNs from "@tensorflow/tfjs";
import { clipByGlobalNorm } from "../ml/lstm.ts";
import { normalSampler } from "../pipeline/optimize/scenarios.ts";
import type { AllocationPolicy } from "../ports/policy.ts";
import {
  type ActorWeights,
  actorMean,
  actorScores,
  criticValue,
  gaussianLogProb,
  type PaddedBatch,
  type PolicySpec,
  type PolicyVars,
  softmax,
} from "./policyNet.ts";

/** One decision of a rollout. */
export interface Transition {
  readonly obs: Float32Array;
  readonly n: number;
  /** The sampled scores (n + 1, idle last). */
  readonly z: Float32Array;
  readonly logp: number;
  /** Reward until the next decision (or the episode's end), basis points. */
  reward: number;
}

/** A policy that samples (or, deterministic, takes the mean) and records what it did. */
export interface RecordingAgent extends AllocationPolicy {
  readonly transitions: Transition[];
}

/** An agent acting with the actor `w` and noise of scale exp(logStd); `deterministic` takes the mean. */
export function recordingAgent(
  w: ActorWeights,
  spec: PolicySpec,
  logStd: number,
  random: () => number,
  deterministic = false,
): RecordingAgent {
  const normal = normalSampler(random);
  const std = Math.exp(logStd);
  const transitions: Transition[] = [];
  return {
    name: deterministic ? "policy-mean" : "policy-sample",
    hash: "training",
    transitions,
    async act(obs, n) {
      const mu = actorScores(w, spec, obs, n);
      const z = new Float32Array(n + 1);
      let logp = 0;
      for (let i = 0; i <= n; i++) {
        const eps = deterministic ? 0 : normal();
        z[i] = mu[i]! + std * eps;
        logp += -0.5 * eps * eps - logStd - 0.5 * Math.log(2 * Math.PI);
      }
      transitions.push({ obs: obs.slice(), n, z, logp, reward: 0 });
      return softmax(z);
    },
  };
}

/** Hyper-parameters of the update. */
export interface PpoUpdateOptions {
  readonly gamma: number;
  readonly lambda: number;
  readonly clip: number;
  readonly epochs: number;
  readonly minibatch: number;
  readonly valueCoef: number;
  readonly entropyCoef: number;
  readonly clipNorm: number;
  readonly logStdRange: readonly [number, number];
}

/** Pads transitions into one batch: observations [B, N, F], masks, scores [B, N + 1]. */
export function padBatch(tf: typeof tfNs, ts: readonly Transition[], F: number): PaddedBatch & { z: tfNs.Tensor2D } {
  const N = Math.max(1, ...ts.map((t) => t.n));
  const obs = new Float32Array(ts.length * N * F);
  const mask = new Float32Array(ts.length * (N + 1));
  const z = new Float32Array(ts.length * (N + 1));
  ts.forEach((t, b) => {
    obs.set(t.obs, b * N * F);
    for (let i = 0; i < t.n; i++) {
      mask[b * (N + 1) + i] = 1;
      z[b * (N + 1) + i] = t.z[i]!;
    }
    // Idle sits in the last slot whatever the source count.
    mask[b * (N + 1) + N] = 1;
    z[b * (N + 1) + N] = t.z[t.n]!;
  });
  return {
    obs: tf.tensor3d(obs, [ts.length, N, F]),
    mask: tf.tensor2d(mask, [ts.length, N + 1]),
    z: tf.tensor2d(z, [ts.length, N + 1]),
  };
}

/**
 * Generalised advantage estimates for consecutive episodes (`episodes` gives each one's transitions in
 * order); an episode's end is cut off, so its last value bootstraps itself.
 */
export function advantages(
  episodes: readonly (readonly number[])[],
  rewards: readonly (readonly number[])[],
  gamma: number,
  lambda: number,
): { adv: number[]; ret: number[] } {
  const adv: number[] = [];
  const ret: number[] = [];
  episodes.forEach((values, e) => {
    const r = rewards[e]!;
    const a = new Array<number>(values.length).fill(0);
    let next = 0;
    for (let k = values.length - 1; k >= 0; k--) {
      const vNext = k + 1 < values.length ? values[k + 1]! : values[k]!;
      const delta = r[k]! + gamma * vNext - values[k]!;
      next = delta + gamma * lambda * (k + 1 < values.length ? next : 0);
      a[k] = next;
    }
    a.forEach((x, k) => {
      adv.push(x);
      ret.push(x + values[k]!);
    });
  });
  return { adv, ret };
}

/** State values of transitions, in batches. */
export function values(tf: typeof tfNs, vars: PolicyVars, ts: readonly Transition[], F: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < ts.length; b += 512) {
    const batch = padBatch(tf, ts.slice(b, b + 512), F);
    const v = criticValue(tf, vars, batch);
    out.push(...v.dataSync());
    tf.dispose([batch.obs, batch.mask, batch.z, v]);
  }
  return out;
}

/** One PPO update over the rollout; returns the mean losses. */
export function ppoUpdate(
  tf: typeof tfNs,
  vars: PolicyVars,
  optimizer: tfNs.Optimizer,
  data: { ts: readonly Transition[]; adv: readonly number[]; ret: readonly number[] },
  spec: PolicySpec,
  o: PpoUpdateOptions,
  random: () => number,
): { policyLoss: number; valueLoss: number; clipFraction: number } {
  const n = data.ts.length;
  const mean = data.adv.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(data.adv.reduce((a, b) => a + (b - mean) ** 2, 0) / n) + 1e-8;
  const normAdv = data.adv.map((a) => (a - mean) / sd);
  const varList = [...Object.values(vars.actor), vars.logStd, ...Object.values(vars.critic)];
  let pl = 0;
  let vl = 0;
  let cf = 0;
  let count = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = [...Array(n).keys()];
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let s = 0; s < n; s += o.minibatch) {
      const idx = order.slice(s, s + o.minibatch);
      const batch = padBatch(
        tf,
        idx.map((i) => data.ts[i]!),
        spec.features,
      );
      const oldLogp = tf.tensor1d(idx.map((i) => data.ts[i]!.logp));
      const adv = tf.tensor1d(idx.map((i) => normAdv[i]!));
      const ret = tf.tensor1d(idx.map((i) => data.ret[i]!));
      const parts: { pl?: tfNs.Scalar; vl?: tfNs.Scalar; cf?: tfNs.Scalar } = {};
      const { grads, value } = tf.variableGrads(() => {
        const mu = actorMean(tf, vars, batch);
        const logp = gaussianLogProb(tf, mu, vars.logStd, batch.z, batch.mask);
        const ratio = tf.exp(tf.sub(logp, oldLogp));
        const surrogate = tf.minimum(tf.mul(ratio, adv), tf.mul(tf.clipByValue(ratio, 1 - o.clip, 1 + o.clip), adv));
        const policyLoss = tf.neg(tf.mean(surrogate)) as tfNs.Scalar;
        const valueLoss = tf.mean(tf.square(tf.sub(criticValue(tf, vars, batch), ret))) as tfNs.Scalar;
        const slots = tf.sum(batch.mask, 1);
        const entropy = tf.mean(tf.mul(slots, tf.add(vars.logStd, 0.5 + 0.5 * Math.log(2 * Math.PI))));
        parts.pl = tf.keep(policyLoss.clone());
        parts.vl = tf.keep(valueLoss.clone());
        parts.cf = tf.keep(tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), o.clip), "float32")) as tfNs.Scalar);
        return tf.sub(
          tf.add(policyLoss, tf.mul(o.valueCoef, valueLoss)),
          tf.mul(o.entropyCoef, entropy),
        ) as tfNs.Scalar;
      }, varList);
      const clipped = clipByGlobalNorm(tf, grads, o.clipNorm);
      optimizer.applyGradients(clipped.grads as Parameters<typeof optimizer.applyGradients>[0]);
      tf.tidy(() => vars.logStd.assign(tf.clipByValue(vars.logStd, o.logStdRange[0], o.logStdRange[1])));
      pl += parts.pl!.dataSync()[0]!;
      vl += parts.vl!.dataSync()[0]!;
      cf += parts.cf!.dataSync()[0]!;
      count++;
      tf.dispose([batch.obs, batch.mask, batch.z, oldLogp, adv, ret, value, parts.pl!, parts.vl!, parts.cf!]);
      tf.dispose(Object.values(clipped.grads));
    }
  }
  return { policyLoss: pl / count, valueLoss: vl / count, clipFraction: cf / count };
}
