import { between, type Dataset } from "../domain/dataset.ts";
import type { HistoryWindow, Snapshot } from "../domain/snapshot.ts";
import type { HistoryStore } from "../ports/market.ts";

/**
 * History windows straight from the dataset, cut at `asOf` (inclusive): rates of the vault's
 * sources, every price series, incidents known by then, and the vault's own share price as recorded
 * by ingest. Nothing after `asOf` is ever returned.
 */
export function datasetHistoryStore(
  data: Dataset,
  sourceIds: readonly string[],
  opts: { incidentLookbackSeconds: number; priceSymbols?: readonly string[] },
): HistoryStore {
  const sharePrice: { t: number; value: number }[] = [];
  const symbols = opts.priceSymbols ?? [...data.prices.keys()];
  return {
    record(s: Snapshot) {
      const last = sharePrice.at(-1);
      if (!last || last.t < s.timestamp) sharePrice.push({ t: s.timestamp, value: s.vault.sharePrice });
    },
    window(asOf: number, lookbackSeconds: number): HistoryWindow {
      const from = asOf - lookbackSeconds;
      const sources: Record<string, HistoryWindow["sources"][string]> = {};
      for (const id of sourceIds) sources[id] = between(data.rates.get(id) ?? [], from, asOf + 1);
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
