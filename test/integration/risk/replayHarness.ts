import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Dataset, PricePoint } from "../../../src/domain/dataset.ts";
import { indexAtOrBefore } from "../../../src/domain/dataset.ts";
import type { Reason } from "../../../src/domain/reasons.ts";
import type { HistoryWindow, PriceObservation, SourcePoint, SourceState } from "../../../src/domain/snapshot.ts";
import type { RiskOptions } from "../../../src/pipeline/riskGate/options.ts";
import { assessRisk } from "../../../src/pipeline/riskGate/riskGate.ts";
import type { RiskInput } from "../../../src/pipeline/types.ts";

/** Where the real dataset lives (never committed; tests skip without it). */
export const DATA_DIR = fileURLToPath(new URL("../../../../shared/data/keel-train", import.meta.url));
export const haveData = (): boolean => existsSync(`${DATA_DIR}/prices.csv`);

const DAY = 86_400;
const HOUR = 3_600;

/** One source of a replayed vault: a dataset pool (rates) or a synthetic one. */
export interface ReplaySource {
  readonly id: string;
  readonly kind: SourceState["kind"];
  readonly protocol: string;
  readonly asset: string;
  readonly units: number;
  /** Dataset pool id for rate / TVL / utilisation; synthetic 5 % and $1B when absent. */
  readonly poolId?: string;
}

/** A vault to replay through the gate. */
export interface ReplaySpec {
  readonly base: { readonly symbol: string; readonly decimals: number; readonly priceSymbol: string };
  readonly sources: readonly ReplaySource[];
  readonly idleUnits: number;
  /** Symbols priced in the snapshot. */
  readonly symbols: readonly string[];
  readonly lookbackDays: number;
}

/**
 * A bar is known when it closes: the dataset labels daily closes with the day's start and hourly
 * bars with their open time, so an observation becomes visible one bar after its label.
 */
function cadence(series: readonly PricePoint[]): number {
  if (series.length < 3) return DAY;
  const gaps: number[] = [];
  for (let i = Math.max(1, series.length - 50); i < series.length; i++) gaps.push(series[i]!.t - series[i - 1]!.t);
  gaps.sort((a, b) => a - b);
  return (gaps[gaps.length >> 1] ?? DAY) >= 20 * HOUR ? DAY : HOUR;
}

/** The price series as observed: shifted by one bar, so no value is seen before its bar closes. */
function observedSeries(ds: Dataset, symbol: string, from: number, to: number): { t: number; priceUsd: number }[] {
  const s = ds.prices.get(symbol);
  if (!s) return [];
  const out: { t: number; priceUsd: number }[] = [];
  // Use the local cadence around `to` (series switch from hourly to daily in places).
  const lag = cadence(s.slice(Math.max(0, indexAtOrBefore(s, to) - 60), indexAtOrBefore(s, to) + 1));
  const hi = indexAtOrBefore(s, to - lag);
  for (let i = hi; i >= 0; i--) {
    const p = s[i]!;
    if (p.t + lag < from) break;
    out.push({ t: p.t + lag, priceUsd: p.priceUsd });
  }
  return out.reverse();
}

/** The gate's input for the vault at time t, from the dataset only as known at t. */
export function replayInput(ds: Dataset, spec: ReplaySpec, t: number): RiskInput {
  const from = t - spec.lookbackDays * DAY;
  const prices: Record<string, PriceObservation[]> = {};
  const histPrices: Record<string, { t: number; priceUsd: number }[]> = {};
  for (const sym of spec.symbols) {
    const ser = observedSeries(ds, sym, from, t);
    histPrices[sym] = ser;
    const last = ser.at(-1);
    if (last) prices[sym] = [{ symbol: sym, priceUsd: last.priceUsd, updatedAt: last.t, origin: "dataset" }];
  }
  const basePrice = prices[spec.base.priceSymbol]?.[0]?.priceUsd ?? 1;
  const scale = 10n ** BigInt(spec.base.decimals);
  const histSources: Record<string, SourcePoint[]> = {};
  const sources: SourceState[] = spec.sources.map((r) => {
    const rates = r.poolId ? (ds.rates.get(r.poolId) ?? []) : [];
    const hi = indexAtOrBefore(rates, t);
    const lo = indexAtOrBefore(rates, from);
    histSources[r.id] = rates.slice(lo + 1, hi); // strictly before now: the snapshot carries the current point
    const now = rates[hi];
    const balance = BigInt(r.units) * scale;
    return {
      id: r.id,
      kind: r.kind,
      protocol: r.protocol,
      asset: r.asset,
      aprPct: now?.aprPct ?? 5,
      tvlUsd: now?.tvlUsd ?? 1e9,
      utilization: now ? now.utilization : 0.8,
      balance,
      maxWithdraw: balance,
    };
  });
  const idle = BigInt(spec.idleUnits) * scale;
  const total = sources.reduce((a, s) => a + s.balance, idle);
  const history: HistoryWindow = {
    asOf: t,
    sources: histSources,
    prices: histPrices,
    sharePrice: [],
    incidents: ds.incidents
      .filter((i) => i.t <= t)
      .map((i) => ({ t: i.t, protocol: i.protocol.toLowerCase(), lossUsd: i.lossUsd })),
  };
  return {
    snapshot: {
      chainId: 1,
      block: 0,
      timestamp: t,
      baseAsset: { symbol: spec.base.symbol, decimals: spec.base.decimals, priceUsd: basePrice },
      vault: { totalAssets: total, idle, totalSupply: total, sharePrice: 1, paused: false, shutdown: false },
      sources,
      prices,
      baseFeesWei: [20_000_000_000n],
      priorityFeeWei: 1_000_000_000n,
      nativeUsd: 2_000,
      keeperBalanceWei: 10n ** 18n,
    },
    history,
    forecast: {
      horizonDays: 7,
      forecaster: "persistence",
      modelHash: "persistence",
      sources: Object.fromEntries(
        sources.map((s) => [s.id, { sourceId: s.id, p10: s.aprPct - 1, p50: s.aprPct, p90: s.aprPct + 1 }]),
      ),
    },
  };
}

/** One gate answer in a replay. */
export interface ReplayStep {
  readonly t: number;
  readonly halts: readonly Reason[];
  readonly reasons: readonly Reason[];
  readonly triggers: readonly Reason[];
  readonly frozen: readonly string[];
  readonly forcedExits: readonly string[];
}

/** Runs the gate every `stepSeconds` over [start, end]. */
export function replay(
  ds: Dataset,
  spec: ReplaySpec,
  opts: RiskOptions,
  start: number,
  end: number,
  stepSeconds: number,
): ReplayStep[] {
  const out: ReplayStep[] = [];
  for (let t = start; t <= end; t += stepSeconds) {
    const { verdict, halts } = assessRisk(opts, replayInput(ds, spec, t));
    out.push({
      t,
      halts,
      reasons: verdict.reasons,
      triggers: verdict.triggers,
      frozen: verdict.frozen,
      forcedExits: verdict.forcedExits,
    });
  }
  return out;
}

/** First time a reason with this code (optionally about this source) appears in halts, reasons or triggers. */
export function firstTime(steps: readonly ReplayStep[], code: string, sourceId?: string): number | undefined {
  for (const s of steps) {
    const all = [...s.halts, ...s.reasons, ...s.triggers];
    if (all.some((r) => r.code === code && (sourceId === undefined || r.sourceId === sourceId))) return s.t;
  }
  return undefined;
}

/** ISO time of unix seconds (undefined → "never"). */
export const iso = (t: number | undefined): string =>
  t === undefined ? "never" : new Date(t * 1000).toISOString().slice(0, 16);

/** Unix seconds of an ISO date. */
export const at = (isoDate: string): number => Date.parse(isoDate) / 1000;
