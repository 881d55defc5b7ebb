/** Z-score scaling of features and targets, fit on the training split only and stored with the model. */

/** Per-feature mean and standard deviation, and the target's. */
export interface Scaler {
  readonly featureMean: number[];
  readonly featureStd: number[];
  readonly targetMean: number;
  readonly targetStd: number;
}

/**
 * Fits the scaler on the rows `trainIdx` of `x` (samples × rowsPerSample rows of `features` values)
 * and `y`. A constant feature gets std 1 so it scales to 0 instead of dividing by zero.
 */
export function fitScaler(
  x: Float32Array,
  y: Float32Array,
  features: number,
  rowsPerSample: number,
  trainIdx: readonly number[],
): Scaler {
  const sum = new Float64Array(features);
  const sq = new Float64Array(features);
  let n = 0;
  for (const i of trainIdx) {
    const base = i * rowsPerSample * features;
    for (let r = 0; r < rowsPerSample; r++) {
      for (let f = 0; f < features; f++) {
        const v = x[base + r * features + f]!;
        sum[f]! += v;
        sq[f]! += v * v;
      }
      n++;
    }
  }
  const featureMean = Array.from(sum, (s) => s / Math.max(1, n));
  const featureStd = Array.from(sq, (s, f) => {
    const v = s / Math.max(1, n) - featureMean[f]! ** 2;
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  let ys = 0;
  let yq = 0;
  for (const i of trainIdx) {
    ys += y[i]!;
    yq += y[i]! ** 2;
  }
  const m = trainIdx.length;
  const targetMean = m === 0 ? 0 : ys / m;
  const tv = m === 0 ? 1 : yq / m - targetMean ** 2;
  return { featureMean, featureStd, targetMean, targetStd: tv > 1e-12 ? Math.sqrt(tv) : 1 };
}

/** Scales features in place-free fashion: returns a new array. */
export function scaleFeatures(x: Float32Array, s: Scaler): Float32Array {
  const F = s.featureMean.length;
  const out = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) out[k] = (x[k]! - s.featureMean[k % F]!) / s.featureStd[k % F]!;
  return out;
}
