import { strategySection } from "../../src/config/sections/strategy.ts";
import type { Forecast, Plan, RiskVerdict } from "../../src/domain/decision.ts";
import type { HistoryWindow, RangeLimits, Snapshot, SourceState } from "../../src/domain/snapshot.ts";
import type { OptimizeOptions } from "../../src/pipeline/optimize/optimize.ts";
import type { OptimizeInput } from "../../src/pipeline/types.ts";

/** One whole unit of a 6-decimals base asset (USDC). */
export const UNIT = 1_000_000n;

/** A lending source holding `balance` whole units, fully withdrawable. */
export function source(
  id: string,
  aprPct: number,
  balanceUnits: number,
  extra: Partial<SourceState> = {},
): SourceState {
  const balance = BigInt(balanceUnits) * UNIT;
  return {
    id,
    kind: "lending",
    protocol: "aave-v3",
    asset: "USDC",
    aprPct,
    tvlUsd: 1e9,
    utilization: 0.8,
    balance,
    maxWithdraw: balance,
    ...extra,
  };
}

/** A snapshot of a USDC vault with `idleUnits` idle plus the sources' balances. */
export function snapshot(sources: SourceState[], idleUnits: number, extra: Partial<Snapshot> = {}): Snapshot {
  const idle = BigInt(idleUnits) * UNIT;
  const total = sources.reduce((a, s) => a + s.balance, idle);
  return {
    chainId: 31337,
    block: 100,
    timestamp: 1_700_000_000,
    baseAsset: { symbol: "USDC", decimals: 6, priceUsd: 1 },
    vault: { totalAssets: total, idle, totalSupply: total, sharePrice: 1, paused: false, shutdown: false },
    sources,
    prices: {},
    baseFeesWei: [20_000_000_000n, 20_000_000_000n],
    priorityFeeWei: 1_000_000_000n,
    nativeUsd: 2_000,
    keeperBalanceWei: 10n ** 18n,
    ...extra,
  };
}

/** A forecast with the given P50 per source and a ±`spread` band. */
export function forecast(p50: Record<string, number>, spread = 0.5): Forecast {
  return {
    horizonDays: 7,
    forecaster: "persistence",
    modelHash: "persistence",
    sources: Object.fromEntries(
      Object.entries(p50).map(([id, v]) => [id, { sourceId: id, p10: v - spread, p50: v, p90: v + spread }]),
    ),
  };
}

/** A verdict allowing every listed source up to `cap`. */
export function verdict(ids: string[], cap = 1, extra: Partial<RiskVerdict> = {}): RiskVerdict {
  return {
    caps: Object.fromEntries(ids.map((id) => [id, cap])),
    frozen: [],
    forcedExits: [],
    minIdleWeight: 0.02,
    triggers: [],
    metrics: {},
    reasons: [],
    ...extra,
  };
}

const emptyHistory: HistoryWindow = { asOf: 0, sources: {}, prices: {}, sharePrice: [], incidents: [] };

/** The optimizer's stage input. */
export function optimizeInput(s: Snapshot, f: Forecast, v: RiskVerdict): OptimizeInput {
  return { snapshot: s, history: { ...emptyHistory, asOf: s.timestamp }, forecast: f, verdict: v };
}

/** Default strategy options for a 6-decimals USD stablecoin vault. */
export function optimizeOptions(overrides: Partial<OptimizeOptions> = {}): OptimizeOptions {
  return { ...strategySection.parse({}), decimals: 6, basePriceUsd: 1, ...overrides };
}

/** A plan with one deposit and the given pessimistic gain. */
export function planWithGain(gainP10Usd: number, sourceId = "a"): Plan {
  return {
    targetWeights: { [sourceId]: 0.5 },
    moves: [{ sourceId, direction: "deposit", amount: 1_000n * UNIT }],
    gainP10Usd,
    gainP50Usd: gainP10Usd * 1.5,
    slippageUsd: 0,
    needsApproval: false,
  };
}

/** A Uniswap v3 position adapter's range limits as the devnet deploys them (V3_RANGE_BOUNDS), spacing 60, never re-ranged. */
export const V3_LIMITS: RangeLimits = {
  minWidthTicks: 600,
  maxWidthTicks: 12_000,
  maxCentreOffsetBps: 100,
  minRerangeIntervalSeconds: 3_600,
  tickSpacing: 60,
  lastRerangeAt: 0,
};
