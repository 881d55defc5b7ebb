import type { HistoryWindow, Snapshot, SourcePoint } from "../../domain/snapshot.ts";
import type { HistoryStore } from "../../ports/market.ts";

/** One point of one market series: a source's rates, a USD price, or the vault's share price. */
export type HistoryEntry =
  | { readonly kind: "source"; readonly key: string; readonly point: SourcePoint }
  | { readonly kind: "price"; readonly key: string; readonly point: { t: number; priceUsd: number } }
  | { readonly kind: "vault"; readonly key: "sharePrice"; readonly point: { t: number; value: number } };

/** A history store that also takes points out of order (restored from disk, backfilled from the chain). */
export interface MemoryHistory extends HistoryStore {
  /** Adds one point; false when its period already holds a point as new or newer. */
  add(entry: HistoryEntry): boolean;
  /** The entries a snapshot contributes, one per series. */
  entriesOf(snapshot: Snapshot): HistoryEntry[];
  /** Times of a source's points (oldest first). */
  sourceTimes(id: string): number[];
}

/** What a snapshot adds to the history: one point per source, per priced symbol and the vault's share price. */
function entriesOf(s: Snapshot): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const src of s.sources) {
    const point: SourcePoint = {
      t: s.timestamp,
      aprPct: src.aprPct,
      tvlUsd: src.tvlUsd,
      utilization: src.utilization,
      ...(src.sharePrice !== undefined ? { sharePrice: src.sharePrice } : {}),
    };
    out.push({ kind: "source", key: src.id, point });
  }
  for (const [symbol, obs] of Object.entries(s.prices)) {
    const first = obs[0];
    if (first) out.push({ kind: "price", key: symbol, point: { t: s.timestamp, priceUsd: first.priceUsd } });
  }
  out.push({ kind: "vault", key: "sharePrice", point: { t: s.timestamp, value: s.vault.sharePrice } });
  return out;
}

/**
 * What ingest has seen, kept in memory with a bounded number of points per series (oldest dropped).
 * With `resolutionSeconds`, a series keeps one point per period — the newest — so how far back it
 * reaches does not depend on how often the keeper ticks. Points may arrive out of order (a restored
 * or backfilled past); windows never contain points after `asOf`.
 */
export function memoryHistoryStore(opts: { maxPointsPerSeries: number; resolutionSeconds?: number }): MemoryHistory {
  const period = opts.resolutionSeconds ?? 1;
  const sources = new Map<string, SourcePoint[]>();
  const prices = new Map<string, { t: number; priceUsd: number }[]>();
  const sharePrice: { t: number; value: number }[] = [];
  const bucket = (t: number) => Math.floor(t / period);

  const seriesOf = <T>(map: Map<string, T[]>, key: string): T[] => {
    const existing = map.get(key);
    if (existing) return existing;
    const created: T[] = [];
    map.set(key, created);
    return created;
  };

  /** Inserts in time order; a period keeps its newest point (an equal time keeps the first). */
  const insert = <T extends { t: number }>(series: T[], point: T): boolean => {
    const b = bucket(point.t);
    let lo = 0;
    let hi = series.length;
    if (hi > 0 && bucket((series[hi - 1] as T).t) < b) lo = hi; // the usual case: a new period at the end
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bucket((series[mid] as T).t) < b) lo = mid + 1;
      else hi = mid;
    }
    const at = series[lo];
    if (at && bucket(at.t) === b) {
      if (at.t >= point.t) return false;
      series[lo] = point;
      return true;
    }
    series.splice(lo, 0, point);
    if (series.length > opts.maxPointsPerSeries) {
      series.splice(0, series.length - opts.maxPointsPerSeries);
      return series.includes(point);
    }
    return true;
  };

  const slice = <T extends { t: number }>(series: readonly T[], from: number, to: number) =>
    series.filter((p) => p.t >= from && p.t <= to);

  const add = (e: HistoryEntry): boolean => {
    if (e.kind === "source") return insert(seriesOf(sources, e.key), e.point);
    if (e.kind === "price") return insert(seriesOf(prices, e.key), e.point);
    return insert(sharePrice, e.point);
  };

  return {
    add,
    entriesOf,
    sourceTimes: (id) => (sources.get(id) ?? []).map((p) => p.t),
    record(s: Snapshot) {
      for (const e of entriesOf(s)) add(e);
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
