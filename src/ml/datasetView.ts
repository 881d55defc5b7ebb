/** What a forecaster would have seen at time t, rebuilt from a historical dataset (no data at or after t). */
import { between, type Dataset, indexBefore } from "../domain/dataset.ts";
import type { HistoryWindow, Snapshot, SourceKind, SourcePoint, SourceState } from "../domain/snapshot.ts";
import { DAY } from "./series.ts";

/** Options of `observeDataset`. */
export interface ViewOptions {
  /** Days of history in the window. */
  readonly lookbackDays: number;
  /** A source whose last observation is older than this is left out of the snapshot. */
  readonly maxAgeSeconds: number;
}

/**
 * The snapshot and history window at `t` (only observations strictly before `t`). Vault and fee
 * fields are neutral placeholders: forecasters read only sources, history and prices.
 */
export function observeDataset(
  data: Dataset,
  t: number,
  o: ViewOptions,
): { snapshot: Snapshot; history: HistoryWindow } {
  const from = t - o.lookbackDays * DAY;
  const sources: SourceState[] = [];
  const histories: Record<string, SourcePoint[]> = {};
  for (const pool of data.pools) {
    const series = data.rates.get(pool.poolId) ?? [];
    const i = indexBefore(series, t);
    if (i < 0 || t - series[i]!.t > o.maxAgeSeconds) continue;
    const last = series[i]!;
    histories[pool.poolId] = between(series, from, t);
    sources.push({
      id: pool.poolId,
      kind: (pool.kind === "staking" ? "vault" : pool.kind) as SourceKind,
      protocol: pool.protocol,
      asset: pool.asset,
      aprPct: last.aprPct,
      tvlUsd: last.tvlUsd,
      utilization: last.utilization,
      balance: 0n,
      maxWithdraw: 0n,
    });
  }
  const prices: Record<string, { t: number; priceUsd: number }[]> = {};
  for (const [symbol, series] of data.prices) prices[symbol] = between(series, from, t);
  const snapshot: Snapshot = {
    chainId: 0,
    block: 0,
    timestamp: t,
    baseAsset: { symbol: "USD", decimals: 6, priceUsd: 1 },
    vault: { totalAssets: 0n, idle: 0n, totalSupply: 0n, sharePrice: 1, paused: false, shutdown: false },
    sources,
    prices: {},
    baseFeesWei: [],
    priorityFeeWei: 0n,
    nativeUsd: prices.ETH?.[prices.ETH.length - 1]?.priceUsd ?? 0,
    keeperBalanceWei: 0n,
  };
  const history: HistoryWindow = {
    asOf: t,
    sources: histories,
    prices,
    sharePrice: [],
    incidents: data.incidents
      .filter((x) => x.t < t)
      .map((x) => ({ t: x.t, protocol: x.protocol.toLowerCase(), lossUsd: x.lossUsd })),
  };
  return { snapshot, history };
}
