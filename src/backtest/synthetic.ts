import type { Dataset, PoolInfo, PricePoint, RatePoint } from "../domain/dataset.ts";
import { seededRandom } from "../domain/random.ts";
import { normalSampler } from "../pipeline/optimize/scenarios.ts";

/** Options of the synthetic dataset (tests and benchmarks; never real data). */
export interface SyntheticOptions {
  readonly sources: number;
  /** Unix seconds of the first point. */
  readonly start: number;
  readonly days: number;
  /** Spacing of rate points, seconds (3 600 = hourly). */
  readonly rateStepSeconds: number;
  readonly seed?: number;
  /** Assets the sources cycle through (default the vault's own, USDC). */
  readonly assets?: readonly string[];
}

const DAY = 86_400;

/**
 * A seeded dataset in the keel format: `sources` Aave v3 lending pools whose APRs follow
 * mean-reverting random walks around different levels, daily stablecoin prices near $1, a daily ETH
 * price and daily gas around 25 gwei. Deterministic for a seed.
 */
export function syntheticDataset(o: SyntheticOptions): Dataset {
  const normal = normalSampler(seededRandom(o.seed ?? 7));
  const assets = o.assets ?? ["USDC"];
  const pools: PoolInfo[] = [];
  const rates = new Map<string, RatePoint[]>();
  const end = o.start + o.days * DAY;
  for (let i = 0; i < o.sources; i++) {
    const id = `syn-${i}`;
    const asset = assets[i % assets.length] ?? "USDC";
    pools.push({ poolId: id, protocol: "aave-v3", kind: "lending", asset, chain: "ethereum", feeTierPct: null });
    const level = 3 + (5 * i) / Math.max(1, o.sources - 1) + normal();
    let apr = level;
    const series: RatePoint[] = [];
    const k = o.rateStepSeconds / DAY;
    for (let t = o.start; t < end; t += o.rateStepSeconds) {
      apr += 0.2 * k * (level - apr) + 0.6 * Math.sqrt(k) * normal();
      apr = Math.max(0.1, apr);
      series.push({ t, aprPct: apr, tvlUsd: 2e8 + 1e7 * normal(), utilization: Math.min(0.95, 0.8 + 0.03 * normal()) });
    }
    rates.set(id, series);
  }
  const prices = new Map<string, PricePoint[]>();
  let eth = 2_000;
  const gas: { t: number; gwei: number }[] = [];
  for (const a of assets) prices.set(a, []);
  prices.set("ETH", []);
  for (let t = o.start; t < end; t += DAY) {
    for (const a of assets) prices.get(a)?.push({ t, priceUsd: 1 + 0.0005 * normal() });
    eth *= Math.exp(0.03 * normal());
    prices.get("ETH")?.push({ t, priceUsd: eth });
    gas.push({ t, gwei: Math.max(3, 25 + 5 * normal()) });
  }
  return { pools, rates, prices, gas, incidents: [], cleaning: {} };
}
