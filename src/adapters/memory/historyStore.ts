import type { HistoryWindow, Snapshot, SourcePoint } from "../../domain/snapshot.ts";
import type { HistoryStore } from "../../ports/market.ts";

/**
 * What ingest has seen, kept in memory with a bounded number of points per series (oldest dropped).
 * With `resolutionSeconds`, a series keeps one point per period — the newest — so how far back it
 * reaches does not depend on how often the keeper ticks. Windows never contain points after `asOf`.
 */
export function memoryHistoryStore(opts: { maxPointsPerSeries: number; resolutionSeconds?: number }): HistoryStore {
  const period = opts.resolutionSeconds ?? 1;
  const sources = new Map<string, SourcePoint[]>();
  const prices = new Map<string, { t: number; priceUsd: number }[]>();
  const sharePrice: { t: number; value: number }[] = [];

  const seriesOf = <K, T>(map: Map<K, T[]>, key: K): T[] => {
    const existing = map.get(key);
    if (existing) return existing;
    const created: T[] = [];
    map.set(key, created);
    return created;
  };

  const push = <T extends { t: number }>(series: T[], point: T) => {
    const last = series.at(-1);
    if (last && last.t >= point.t) return; // same block time or older: keep the first
    if (last && Math.floor(last.t / period) === Math.floor(point.t / period)) {
      series[series.length - 1] = point; // same period: the newest stands for it
      return;
    }
    series.push(point);
    if (series.length > opts.maxPointsPerSeries) series.splice(0, series.length - opts.maxPointsPerSeries);
  };

  const slice = <T extends { t: number }>(series: readonly T[], from: number, to: number) =>
    series.filter((p) => p.t >= from && p.t <= to);

  return {
    record(s: Snapshot) {
      for (const src of s.sources) {
        const series = seriesOf(sources, src.id);
        const point: SourcePoint = {
          t: s.timestamp,
          aprPct: src.aprPct,
          tvlUsd: src.tvlUsd,
          utilization: src.utilization,
          ...(src.sharePrice !== undefined ? { sharePrice: src.sharePrice } : {}),
        };
        push(series, point);
      }
      for (const [symbol, obs] of Object.entries(s.prices)) {
        const first = obs[0];
        if (!first) continue;
        const series = seriesOf(prices, symbol);
        push(series, { t: s.timestamp, priceUsd: first.priceUsd });
      }
      push(sharePrice, { t: s.timestamp, value: s.vault.sharePrice });
    },
    window(asOf: number, lookbackSeconds: number): HistoryWindow {
      const from = asOf - lookbackSeconds;
      return {
        asOf,
        sources: Object.fromEntries([...sources].map(([id, series]) => [id, slice(series, from, asOf)])),
        prices: Object.fromEntries([...prices].map(([sym, series]) => [sym, slice(series, from, asOf)])),
        sharePrice: slice(sharePrice, from, asOf),
        incidents: [],
      };
    },
  };
}
