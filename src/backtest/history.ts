import { toFloat } from "../domain/amounts.ts";
import { between, type Dataset } from "../domain/dataset.ts";
import type { HistoryWindow, Snapshot, SourcePoint } from "../domain/snapshot.ts";
import type { HistoryStore } from "../ports/market.ts";

/** A rate row as the market showed it with `ourUsd` of the vault's supply in it (`SimMarket.withOwnSupply`). */
export type WithOwnSupply = (sourceId: string, row: SourcePoint, ourUsd: number) => SourcePoint;

/**
 * History windows straight from the dataset, cut at `asOf` (inclusive): rates of the vault's
 * sources, every price series, incidents known by then, and the vault's own share price as recorded
 * by ingest. Nothing after `asOf` is ever returned. With `withOwnSupply`, a source's rows after the
 * replay's first snapshot are the market as the vault's snapshots showed it — with the position the
 * vault held then (the one the next recorded snapshot reports) — as the daemon's history records what
 * ingest saw; the dataset's rows are the market without the vault.
 */
export function datasetHistoryStore(
  data: Dataset,
  sourceIds: readonly string[],
  opts: { incidentLookbackSeconds: number; priceSymbols?: readonly string[]; withOwnSupply?: WithOwnSupply },
): HistoryStore {
  const sharePrice: { t: number; value: number }[] = [];
  const symbols = opts.priceSymbols ?? [...data.prices.keys()];
  // Per source: the rows as seen so far (the dataset's, then the vault's view of them), and how many are final.
  const seen = new Map<string, { rows: SourcePoint[]; done: number }>();
  const rowsOf = (id: string) => {
    let s = seen.get(id);
    if (!s) {
      s = { rows: [...(data.rates.get(id) ?? [])], done: 0 };
      seen.set(id, s);
    }
    return s;
  };
  return {
    record(s: Snapshot) {
      const last = sharePrice.at(-1);
      if (!last || last.t < s.timestamp) sharePrice.push({ t: s.timestamp, value: s.vault.sharePrice });
      const own = opts.withOwnSupply;
      if (!own) return;
      const balances = new Map(s.sources.map((src) => [src.id, src.balance]));
      for (const id of sourceIds) {
        const series = rowsOf(id);
        // Rows since the last snapshot were made with the position this one reports (a source it omits: none).
        const usd = toFloat(balances.get(id) ?? 0n, s.baseAsset.decimals) * s.baseAsset.priceUsd;
        while (series.done < series.rows.length && series.rows[series.done]!.t <= s.timestamp) {
          if (usd > 0) series.rows[series.done] = own(id, series.rows[series.done]!, usd);
          series.done += 1;
        }
      }
    },
    window(asOf: number, lookbackSeconds: number): HistoryWindow {
      const from = asOf - lookbackSeconds;
      const sources: Record<string, HistoryWindow["sources"][string]> = {};
      for (const id of sourceIds) {
        const rows = opts.withOwnSupply ? rowsOf(id).rows : (data.rates.get(id) ?? []);
        sources[id] = between(rows, from, asOf + 1);
      }
      const prices: Record<string, { t: number; priceUsd: number }[]> = {};
      for (const s of symbols) {
        const series = between(data.prices.get(s) ?? [], from, asOf + 1);
        if (series.length > 0) prices[s] = series;
      }
      const incidents = between(data.incidents, asOf - opts.incidentLookbackSeconds, asOf + 1).map((i) => ({
        t: i.t,
        protocol: i.protocol.toLowerCase(),
        lossUsd: i.lossUsd,
      }));
      return { asOf, sources, prices, sharePrice: between(sharePrice, from, asOf + 1), incidents };
    },
  };
}
