import type { Dataset } from "../../src/domain/dataset.ts";

const HOUR = 3_600;
const DAY = 86_400;

/**
 * A copy of the dataset where every value not yet known at `cutoff` is wildly changed, and an incident
 * added after it. Lending rates are snapshots (known at their stamp); prices, gas and LP fee APR are bars
 * stamped at the start of their period (an hour when rows are an hour apart, else a day), known only once it
 * ends — so the bars that contain `cutoff` change too.
 */
export function perturbedUnknownAt(data: Dataset, cutoff: number): Dataset {
  const barEnd = (series: readonly { t: number }[], i: number) => {
    const t = series[i]!.t;
    const near = [series[i - 1]?.t, series[i + 1]?.t].filter((x): x is number => x !== undefined);
    return t + (near.some((x) => Math.abs(x - t) <= HOUR) ? HOUR : DAY);
  };
  const unknownBar = (series: readonly { t: number }[], i: number) => barEnd(series, i) > cutoff;
  return {
    ...data,
    rates: new Map(
      [...data.rates].map(([id, pts]) => {
        const bars = data.pools.find((p) => p.poolId === id)?.kind === "lp";
        const unknown = (i: number) => (bars ? unknownBar(pts, i) : pts[i]!.t > cutoff);
        return [
          id,
          pts.map((p, i) =>
            unknown(i) ? { ...p, aprPct: p.aprPct * 3 + 5, tvlUsd: p.tvlUsd / 10, utilization: bars ? null : 0.99 } : p,
          ),
        ];
      }),
    ),
    prices: new Map(
      [...data.prices].map(([s, pts]) => [
        s,
        pts.map((p, i) => (unknownBar(pts, i) ? { ...p, priceUsd: p.priceUsd * (s === "ETH" ? 50 : 0.8) } : p)),
      ]),
    ),
    gas: data.gas.map((g, i) => (unknownBar(data.gas, i) ? { ...g, gwei: g.gwei * 100 } : g)),
    incidents: [
      ...data.incidents,
      { t: cutoff + HOUR, protocol: "Aave", chain: "Ethereum", lossUsd: 1e9, technique: "Protocol Logic" },
    ],
  };
}
