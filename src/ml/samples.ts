/**
 * Supervised samples from a dataset: at each day's 00:00 UTC origin t, the feature window ending
 * at t (data strictly before t) and the target log1p(mean APR over [t, t + horizon)) − log1p(rate at t).
 */
import type { Dataset, PoolInfo } from "../domain/dataset.ts";
import { FEATURES, featureTable, priceSymbolFor } from "./features.ts";
import { coveredMean, DAY } from "./series.ts";

/** A batch of samples: x is samples × window × features, row-major. */
export interface Samples {
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** Rate at the origin (the level the target is relative to). */
  readonly current: Float64Array;
  readonly t: number[];
  readonly poolId: string[];
  readonly window: number;
}

/** Options of `buildSamples`. */
export interface SampleOptions {
  readonly window: number;
  readonly horizonDays: number;
  /** First and last origin (unix s, inclusive); the target may reach past `to` only if `targetEnd` allows. */
  readonly from: number;
  readonly to: number;
  /** Targets may only use data before this time (the training cut-off); default: no limit. */
  readonly targetEnd?: number;
  /** Days a source must have been observed before its first origin. */
  readonly minHistoryDays: number;
}

/** Builds samples for every pool at every origin in [from, to]. */
export function buildSamples(data: Dataset, o: SampleOptions): Samples {
  const F = FEATURES.length;
  const xs: Float32Array[] = [];
  const y: number[] = [];
  const current: number[] = [];
  const ts: number[] = [];
  const ids: string[] = [];
  const h = o.horizonDays * DAY;
  const firstOrigin = Math.ceil(o.from / DAY) * DAY;
  const lastOrigin = Math.floor(o.to / DAY) * DAY;
  for (const pool of data.pools) {
    const points = data.rates.get(pool.poolId) ?? [];
    if (points.length === 0) continue;
    const start = Math.max(firstOrigin, Math.ceil((points[0]!.t + o.minHistoryDays * DAY) / DAY) * DAY);
    if (start > lastOrigin) continue;
    const n = (lastOrigin - start) / DAY + 1;
    const stepsBack = n + o.window - 1;
    const table = featureTable(points, pricesFor(data, pool), pool, lastOrigin, stepsBack);
    for (let k = 0; k < n; k++) {
      const t = start + k * DAY;
      if (o.targetEnd !== undefined && t + h > o.targetEnd) continue;
      const s = k + o.window - 1; // table row of the origin
      const cur = table.current[s]!;
      if (!Number.isFinite(cur)) continue;
      const win = coveredMean(points, t, h);
      if (!win) continue;
      xs.push(table.x.subarray((s - o.window + 1) * F, (s + 1) * F));
      y.push(Math.log1p(Math.max(0, win)) - Math.log1p(Math.max(0, cur)));
      current.push(cur);
      ts.push(t);
      ids.push(pool.poolId);
    }
  }
  const x = new Float32Array(xs.length * o.window * F);
  xs.forEach((a, i) => {
    x.set(a, i * o.window * F);
  });
  return { x, y: Float32Array.from(y), current: Float64Array.from(current), t: ts, poolId: ids, window: o.window };
}

/** The price series a pool's features use. */
export function pricesFor(data: Dataset, pool: Pick<PoolInfo, "kind" | "asset">): { t: number; priceUsd: number }[] {
  return data.prices.get(priceSymbolFor(pool)) ?? [];
}
