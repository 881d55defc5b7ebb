import { riskSection } from "../../src/config/sections/risk.ts";
import type { Forecast } from "../../src/domain/decision.ts";
import type { HistoryWindow, PriceObservation, Snapshot, SourceState } from "../../src/domain/snapshot.ts";
import type { RiskOptions } from "../../src/pipeline/riskGate/options.ts";
import type { RiskInput } from "../../src/pipeline/types.ts";

/** One whole unit of a 6-decimals base asset (USDC). */
export const USDC = 1_000_000n;
/** Snapshot time used by the fixtures (2023-11-14T22:13:20Z). */
export const T0 = 1_700_000_000;

/** Risk options as the composition root builds them: config defaults plus the strategy bounds. */
export function riskOptions(over: Record<string, unknown> = {}): RiskOptions {
  const risk = riskSection.parse(over);
  const opts: RiskOptions = { ...risk, maxWeightPerSourceBps: 6_000, minIdleBps: 200, baseAsset: "USDC" };
  return opts;
}

/** A lending source holding `units` whole USDC, fully withdrawable, deep pool. */
export function lending(id: string, units: number, extra: Partial<SourceState> = {}): SourceState {
  const balance = BigInt(units) * USDC;
  return {
    id,
    kind: "lending",
    protocol: "aave-v3",
    asset: "USDC",
    aprPct: 4,
    tvlUsd: 1e9,
    utilization: 0.8,
    balance,
    maxWithdraw: balance,
    ...extra,
  };
}

/** A fresh oracle observation at `t`. */
export function obs(
  symbol: string,
  priceUsd: number,
  t = T0,
  origin: PriceObservation["origin"] = "oracle",
): PriceObservation {
  return { symbol, priceUsd, updatedAt: t, origin };
}

/** A USDC vault snapshot at T0 with `idleUnits` idle plus the sources' balances; USDC priced at 1 by default. */
export function snap(sources: SourceState[], idleUnits: number, extra: Partial<Snapshot> = {}): Snapshot {
  const idle = BigInt(idleUnits) * USDC;
  const total = sources.reduce((a, s) => a + s.balance, idle);
  return {
    chainId: 31337,
    block: 100,
    timestamp: T0,
    baseAsset: { symbol: "USDC", decimals: 6, priceUsd: 1 },
    vault: { totalAssets: total, idle, totalSupply: total, sharePrice: 1, paused: false, shutdown: false },
    sources,
    prices: { USDC: [obs("USDC", 1)], ETH: [obs("ETH", 2_000)] },
    baseFeesWei: [20_000_000_000n],
    priorityFeeWei: 1_000_000_000n,
    nativeUsd: 2_000,
    keeperBalanceWei: 10n ** 18n,
    ...extra,
  };
}

/** A forecast with the given P50 per source and a ±`spread` band. */
export function forecastOf(p50: Record<string, number>, spread = 0.5, priceVolPct?: number): Forecast {
  return {
    horizonDays: 7,
    forecaster: "persistence",
    modelHash: "persistence",
    sources: Object.fromEntries(
      Object.entries(p50).map(([id, v]) => [
        id,
        {
          sourceId: id,
          p10: v - spread,
          p50: v,
          p90: v + spread,
          ...(priceVolPct === undefined ? {} : { priceVolPct }),
        },
      ]),
    ),
  };
}

/** An empty history at `asOf`. */
export function emptyHistory(asOf = T0): HistoryWindow {
  return { asOf, sources: {}, prices: {}, sharePrice: [], incidents: [] };
}

/** The gate's input: snapshot, history (empty by default) and a forecast of 4 % for every source. */
export function riskInput(s: Snapshot, extra: Partial<RiskInput> = {}): RiskInput {
  return {
    snapshot: s,
    history: emptyHistory(s.timestamp),
    forecast: forecastOf(Object.fromEntries(s.sources.map((x) => [x.id, x.aprPct]))),
    ...extra,
  };
}

/** A signal that never aborts. */
export const never = new AbortController().signal;
