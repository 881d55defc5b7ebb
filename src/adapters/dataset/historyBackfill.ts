import type { Dataset } from "../../domain/dataset.ts";
import type { HistoryEntry } from "../memory/historyStore.ts";

/** What to take from a dataset: source ids → pool_id, oracle symbols → dataset symbols, a time range. */
export interface DatasetBackfillOptions {
  readonly sources: Readonly<Record<string, string>>;
  readonly prices: Readonly<Record<string, string>>;
  /** Unix seconds: rows known in [from, to] are taken. */
  readonly from: number;
  readonly to: number;
}

/** Median spacing of a series in seconds: its bar period (an hour, a day). */
function periodOf(series: readonly { t: number }[]): number {
  const gaps = series
    .slice(1)
    .map((p, i) => p.t - (series[i] as { t: number }).t)
    .filter((g) => g > 0)
    .sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? 86_400;
}

/**
 * The history entries a dataset holds for the mapped sources and prices. A row is stamped when it
 * became known — at the end of its period (timestamp + the series' bar spacing), never earlier — so a
 * window at t holds only what was known at t. Pools or symbols the dataset lacks are listed in `unknown`.
 */
export function historyEntriesFromDataset(
  data: Dataset,
  opts: DatasetBackfillOptions,
): { entries: HistoryEntry[]; unknown: string[]; perSource: Record<string, number> } {
  const entries: HistoryEntry[] = [];
  const unknown: string[] = [];
  const perSource: Record<string, number> = {};
  for (const [id, poolId] of Object.entries(opts.sources)) {
    const series = data.rates.get(poolId);
    if (!series) {
      unknown.push(`pool ${poolId}`);
      continue;
    }
    const period = periodOf(series);
    let n = 0;
    for (const r of series) {
      const t = r.t + period;
      if (t < opts.from || t > opts.to) continue;
      entries.push({
        kind: "source",
        key: id,
        point: { t, aprPct: r.aprPct, tvlUsd: r.tvlUsd, utilization: r.utilization },
      });
      n++;
    }
    perSource[id] = n;
  }
  for (const [symbol, datasetSymbol] of Object.entries(opts.prices)) {
    const series = data.prices.get(datasetSymbol.toUpperCase());
    if (!series) {
      unknown.push(`symbol ${datasetSymbol}`);
      continue;
    }
    const period = periodOf(series);
    for (const p of series) {
      const t = p.t + period;
      if (t >= opts.from && t <= opts.to)
        entries.push({ kind: "price", key: symbol, point: { t, priceUsd: p.priceUsd } });
    }
  }
  return { entries, unknown, perSource };
}
