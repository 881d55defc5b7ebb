/** Moving trained weights between a TF.js network and plain arrays; running it on scaled inputs. */
import type * as tfNs from "@tensorflow/tfjs";
import type { NetWeights } from "./onnxExport.ts";
import type { Scaler } from "./scaler.ts";

/** Copies the trainable weights out of the TF.js model. */
export function readWeights(net: tfNs.LayersModel): NetWeights {
  const get = (name: string) =>
    net
      .getLayer(name)
      .getWeights()
      .map((w) => w.dataSync() as Float32Array);
  const [k1, r1, b1] = get("lstm1");
  const [k2, r2, b2] = get("lstm2");
  const [hk, hb] = get("head");
  return {
    lstm1: { kernel: k1!.slice(), recurrent: r1!.slice(), bias: b1!.slice() },
    lstm2: { kernel: k2!.slice(), recurrent: r2!.slice(), bias: b2!.slice() },
    head: { kernel: hk!.slice(), bias: hb!.slice() },
  };
}

/** Sets weights (from `readWeights`) and returns unscaled outputs [n × Q] for already-scaled inputs. */
export function predictScaled(
  tf: typeof tfNs,
  net: tfNs.LayersModel,
  weights: NetWeights,
  xs: Float32Array,
  idx: readonly number[],
  W: number,
  F: number,
  scaler: Scaler,
): Float32Array {
  const set = (name: string, arrays: Float32Array[]) => {
    const layer = net.getLayer(name);
    const shapes = layer.getWeights().map((w) => w.shape);
    const tensors = arrays.map((a, i) => tf.tensor(a, shapes[i]));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  };
  set("lstm1", [weights.lstm1.kernel, weights.lstm1.recurrent, weights.lstm1.bias]);
  set("lstm2", [weights.lstm2.kernel, weights.lstm2.recurrent, weights.lstm2.bias]);
  set("head", [weights.head.kernel, weights.head.bias]);
  const bx = new Float32Array(idx.length * W * F);
  idx.forEach((s, k) => {
    bx.set(xs.subarray(s * W * F, (s + 1) * W * F), k * W * F);
  });
  return tf.tidy(() => {
    const out = net.apply(tf.tensor3d(bx, [idx.length, W, F]), { training: false }) as tfNs.Tensor;
    return tf.add(tf.mul(out, scaler.targetStd), scaler.targetMean).dataSync() as Float32Array;
  });
}
