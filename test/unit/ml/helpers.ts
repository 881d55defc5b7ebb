import { modelSection } from "../../../src/config/sections/model.ts";
import type { HistoryWindow, Snapshot, SourcePoint, SourceState } from "../../../src/domain/snapshot.ts";
import type { PredictOptions } from "../../../src/pipeline/predict/predict.ts";
import type { Observed } from "../../../src/pipeline/types.ts";

/** An observation at `t` of the given sources (Aave v3 lending unless `kinds` says otherwise), their rates taken as the last history point. */
export function observed(
  t: number,
  history: Record<string, SourcePoint[]>,
  kinds: Record<string, Pick<SourceState, "kind" | "protocol">> = {},
): Observed {
  const snapshot: Snapshot = {
    chainId: 31337,
    block: 1,
    timestamp: t,
    baseAsset: { symbol: "USDC", decimals: 6, priceUsd: 1 },
    vault: { totalAssets: 0n, idle: 0n, totalSupply: 0n, sharePrice: 1, paused: false, shutdown: false },
    sources: Object.entries(history).map(([id, points]) => ({
      id,
      kind: "lending" as const,
      protocol: "aave-v3",
      asset: "USDC",
      ...kinds[id],
      aprPct: points[points.length - 1]?.aprPct ?? 0,
      tvlUsd: 1e6,
      utilization: 0.5,
      balance: 0n,
      maxWithdraw: 0n,
    })),
    prices: {},
    baseFeesWei: [],
    priorityFeeWei: 0n,
    nativeUsd: 2000,
    keeperBalanceWei: 0n,
  };
  const window: HistoryWindow = { asOf: t, sources: history, prices: {}, sharePrice: [], incidents: [] };
  return { snapshot, history: window };
}

/** Hourly points from `start` for `hours`, with the rate given by `f(hour)` (TVL grows a dollar an hour: no point is a forward-filled copy). */
export function hourly(start: number, hours: number, f: (h: number) => number): SourcePoint[] {
  return Array.from({ length: hours }, (_, h) => ({
    t: start + h * 3600,
    aprPct: f(h),
    tvlUsd: 1e6 + h,
    utilization: 0.5,
  }));
}

/** The predict stage's options with the config's defaults for skill and calibration, and some overrides. */
export function predictOptions(
  horizonDays: number,
  over: { skill?: Partial<PredictOptions["skill"]>; calibration?: Partial<PredictOptions["calibration"]> } = {},
): PredictOptions {
  const d = modelSection.parse({});
  return {
    horizonDays,
    skill: { ...d.skill, ...over.skill },
    calibration: { ...d.calibration, ...over.calibration },
  };
}
