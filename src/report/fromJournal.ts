import { formatUnits, toFloat } from "../domain/amounts.ts";
import type { DecisionRecord } from "../domain/decision.ts";
import { nearMisses, wouldHaveSent } from "../domain/shadow.ts";
import { forecastOutcomes, timeOf } from "./forecastOutcomes.ts";
import { currentPriceEvents, eventTimelines, interventionEvents } from "./journalEvents.ts";
import type { ReportData } from "./model.ts";
import { drawdowns, historicalVarCvar, ilExposure, type Point, returns } from "./stats.ts";

const MAX_EVENTS = 300;

export interface JournalReportOptions {
  readonly title?: string;
  readonly baseSymbol: string;
  readonly decimals: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly origin?: ReportData["origin"];
  readonly now: number;
}

/** A decision's allocation: each source's share of total assets, and idle's. */
function allocationAt(r: DecisionRecord): { t: number; weights: Record<string, number> } {
  const snap = r.detail.snapshot!;
  const total = Number(snap.totalAssets);
  const weights: Record<string, number> = {};
  for (const [id, bal] of Object.entries(r.detail.allocation ?? {})) weights[id] = total > 0 ? Number(bal) / total : 0;
  weights.idle = total > 0 ? Number(snap.idle) / total : 0;
  return { t: timeOf(r), weights };
}

/** Each risk figure of the verdicts over time. */
function riskSeries(verdicts: readonly DecisionRecord[]): Record<string, Point[]> {
  const series: Record<string, Point[]> = {};
  for (const r of verdicts) {
    for (const [name, v] of Object.entries(r.detail.verdict!.metrics)) {
      const list = series[name] ?? [];
      list.push({ t: timeOf(r), value: v });
      series[name] = list;
    }
  }
  return series;
}

/** Impermanent-loss exposure of each source the last forecast gave a price volatility, at its last weight. */
function ilExposures(records: readonly DecisionRecord[], lastWeights: Readonly<Record<string, number>>) {
  const lastForecast = [...records].reverse().find((r) => r.detail.forecast)?.detail.forecast;
  return Object.values(lastForecast?.sources ?? {})
    .filter((s) => s.priceVolPct !== undefined)
    .map((s) => ({
      sourceId: s.sourceId,
      weight: lastWeights[s.sourceId] ?? 0,
      priceVolPct: s.priceVolPct!,
      ...ilExposure(s.priceVolPct!, lastForecast!.horizonDays),
    }));
}

/** The running total of gas paid, USD, after each executed rebalance. */
function cumulativeGasUsd(executed: readonly DecisionRecord[]): Point[] {
  let cum = 0;
  const gasSeries: Point[] = [];
  for (const r of executed) {
    cum += r.detail.gas!.costUsd;
    gasSeries.push({ t: timeOf(r), value: cum });
  }
  return gasSeries;
}

/** Whether a decision's rebalance reached the chain: dry runs and shadow decisions sent nothing. */
function reachedChain(r: DecisionRecord): boolean {
  return (
    r.outcome === "executed" &&
    r.detail.gas !== undefined &&
    r.detail.action?.route !== "dry-run" &&
    r.detail.action?.route !== "shadow"
  );
}

/** Builds the report from decision records (any order). */
export function reportFromDecisions(input: readonly DecisionRecord[], opts: JournalReportOptions): ReportData {
  const records = [...input].sort((a, b) => timeOf(a) - timeOf(b) || a.startedAt - b.startedAt);
  const notes: string[] = [];
  const observed = records.filter((r) => r.detail.snapshot !== undefined);
  const allocation = observed.map(allocationAt);
  const equity: Point[] = observed.map((r) => ({
    t: timeOf(r),
    value: toFloat(BigInt(r.detail.snapshot!.totalAssets), opts.decimals),
  }));
  const dd = drawdowns(equity);
  const hist = historicalVarCvar(returns(equity));
  if (!hist) notes.push("Historical VaR/CVaR needs at least 11 observations of the vault's value.");

  const verdicts = records.filter((r) => r.detail.verdict !== undefined);
  const latestVerdict = verdicts.at(-1)?.detail.verdict;
  const series = riskSeries(verdicts);

  const il = ilExposures(records, allocation.at(-1)?.weights ?? {});
  if (il.length === 0) notes.push("No source reported a price-volatility forecast: no LP (impermanent-loss) exposure.");

  const { priceEvents, incidents } = eventTimelines(records);
  const currentPrice = currentPriceEvents(verdicts.at(-1));
  const interventions = interventionEvents(records);

  const executed = records.filter(reachedChain);
  const newestFirst = [...records].reverse();
  // Amounts in the base asset's units, as the rest of the report reads.
  const wouldHave = wouldHaveSent(newestFirst).map((w) => ({
    ...w,
    moves: w.moves.map((m) => ({ ...m, amount: formatUnits(BigInt(m.amount), opts.decimals) })),
  }));
  const gasSeries = cumulativeGasUsd(executed);
  const cum = gasSeries.at(-1)?.value ?? 0;
  const outcomes: Record<string, number> = {};
  for (const r of records) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const first = records[0];
  const last = records.at(-1);

  return {
    title: opts.title ?? "keel risk assessment",
    generatedAt: opts.now,
    origin: opts.origin ?? { kind: "journal", description: `${records.length} decisions from the live journal` },
    period: first && last ? { start: timeOf(first), end: timeOf(last) } : null,
    baseSymbol: opts.baseSymbol,
    labels: opts.labels ?? {},
    allocation,
    equity,
    equityLabel: `total assets (${opts.baseSymbol})`,
    forecasts: forecastOutcomes(records),
    risk: {
      latest: latestVerdict?.metrics ?? {},
      series,
      historical: hist ? { varPct: hist.var * 100, cvarPct: hist.cvar * 100, steps: equity.length - 1 } : null,
      maxDrawdownPct: dd.max * 100,
      drawdown: dd.series.map((p) => ({ t: p.t, value: p.value * 100 })),
    },
    il,
    depegOracle: { current: currentPrice, history: priceEvents.events.slice(-MAX_EVENTS) },
    incidents: incidents.events.slice(-MAX_EVENTS),
    interventions: interventions.slice(-MAX_EVENTS),
    gas: {
      rebalances: executed.length,
      totalUsd: cum,
      totalGasUnits: executed.reduce((a, r) => a + Number(r.detail.gas!.gasUnits), 0),
      meanUsdPerRebalance: executed.length > 0 ? cum / executed.length : null,
      series: gasSeries,
    },
    outcomes,
    shadow: {
      shadowDecisions: wouldHave.length,
      wouldHave: wouldHave.slice(0, MAX_EVENTS),
      nearMisses: nearMisses(newestFirst).slice(0, MAX_EVENTS),
    },
    notes,
  };
}
