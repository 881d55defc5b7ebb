import { formatUnits, toFloat } from "../domain/amounts.ts";
import type { DecisionRecord } from "../domain/decision.ts";
import type { RecordedReason } from "../domain/reasons.ts";
import { nearMisses, wouldHaveSent } from "../domain/shadow.ts";
import { forecastOutcomes, timeOf } from "./forecastOutcomes.ts";
import type { ReportData, ReportEvent } from "./model.ts";
import { drawdowns, historicalVarCvar, ilExposure, type Point, returns } from "./stats.ts";

/** Reason codes about prices: depegs, oracles, pool-vs-oracle deviation. */
const PRICE_CODE = /DEPEG|ORACLE|PEG|PRICE/;
/** Reason codes that are incidents in the protocols we hold (as opposed to our own decisions). */
const INCIDENT_CODE = /EXPLOIT|INCIDENT|DRAIN|SHORTFALL|SHARE_PRICE|TVL_DROP|WITHDRAW/;
const MAX_EVENTS = 300;

export interface JournalReportOptions {
  readonly title?: string;
  readonly baseSymbol: string;
  readonly decimals: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly origin?: ReportData["origin"];
  readonly now: number;
}

function event(
  t: number,
  r: DecisionRecord,
  reason: Pick<RecordedReason, "code" | "message" | "severity" | "sourceId">,
): ReportEvent {
  return {
    t,
    decisionId: r.id,
    code: reason.code,
    message: reason.message,
    severity: reason.severity,
    ...(reason.sourceId === undefined ? {} : { sourceId: reason.sourceId }),
  };
}

function allReasons(r: DecisionRecord): RecordedReason[] {
  const verdict = r.detail.verdict;
  const list: RecordedReason[] = [
    ...r.haltReasons,
    ...r.stages.flatMap((s) => (s.status === "halt" ? [] : (s.reasons ?? []))),
  ];
  if (verdict) list.push(...verdict.reasons, ...verdict.triggers);
  const seen = new Set<string>();
  return list.filter((x) => {
    const key = `${x.code}|${x.sourceId ?? ""}|${x.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Merges a finding repeated on consecutive decisions (same code and source) into one event with a
 * count and the time of the last repeat, so a condition that lasts a day is one row, not a hundred.
 */
function collapser() {
  const events: { -readonly [K in keyof ReportEvent]: ReportEvent[K] }[] = [];
  let open = new Map<string, (typeof events)[number]>();
  let seen = new Map<string, (typeof events)[number]>();
  return {
    events,
    add(e: ReportEvent) {
      const key = `${e.code}|${e.sourceId ?? ""}`;
      if (seen.has(key)) return;
      const prev = open.get(key);
      if (prev) {
        prev.count = (prev.count ?? 1) + 1;
        prev.until = e.t;
        seen.set(key, prev);
      } else {
        const fresh = { ...e, count: 1 };
        events.push(fresh);
        seen.set(key, fresh);
      }
    },
    /** Ends one decision: what it did not repeat is closed. */
    next() {
      open = seen;
      seen = new Map();
    },
  };
}

/** Events when a set (frozen sources, forced exits) changes, not on every tick it stays the same. */
function setChanges(
  records: readonly DecisionRecord[],
  pick: (r: DecisionRecord) => readonly string[] | undefined,
  code: string,
  verb: string,
): ReportEvent[] {
  const out: ReportEvent[] = [];
  let prev = new Set<string>();
  for (const r of records) {
    const cur = pick(r);
    if (cur === undefined) continue;
    const next = new Set(cur);
    for (const id of next) {
      if (!prev.has(id))
        out.push(event(timeOf(r), r, { code, message: `${verb} ${id}`, severity: "warn", sourceId: id }));
    }
    for (const id of prev) {
      if (!next.has(id))
        out.push(
          event(timeOf(r), r, {
            code: `${code}_LIFTED`,
            message: `no longer ${verb.toLowerCase()} ${id}`,
            severity: "info",
            sourceId: id,
          }),
        );
    }
    prev = next;
  }
  return out;
}

/** Builds the report from decision records (any order). */
export function reportFromDecisions(input: readonly DecisionRecord[], opts: JournalReportOptions): ReportData {
  const records = [...input].sort((a, b) => timeOf(a) - timeOf(b) || a.startedAt - b.startedAt);
  const notes: string[] = [];
  const observed = records.filter((r) => r.detail.snapshot !== undefined);
  const allocation = observed.map((r) => {
    const snap = r.detail.snapshot!;
    const total = Number(snap.totalAssets);
    const weights: Record<string, number> = {};
    for (const [id, bal] of Object.entries(r.detail.allocation ?? {}))
      weights[id] = total > 0 ? Number(bal) / total : 0;
    weights.idle = total > 0 ? Number(snap.idle) / total : 0;
    return { t: timeOf(r), weights };
  });
  const equity: Point[] = observed.map((r) => ({
    t: timeOf(r),
    value: toFloat(BigInt(r.detail.snapshot!.totalAssets), opts.decimals),
  }));
  const dd = drawdowns(equity);
  const hist = historicalVarCvar(returns(equity));
  if (!hist) notes.push("Historical VaR/CVaR needs at least 11 observations of the vault's value.");

  const verdicts = records.filter((r) => r.detail.verdict !== undefined);
  const latestVerdict = verdicts.at(-1)?.detail.verdict;
  const series: Record<string, Point[]> = {};
  for (const r of verdicts) {
    for (const [name, v] of Object.entries(r.detail.verdict!.metrics)) {
      const list = series[name] ?? [];
      list.push({ t: timeOf(r), value: v });
      series[name] = list;
    }
  }

  const lastForecast = [...records].reverse().find((r) => r.detail.forecast)?.detail.forecast;
  const lastWeights = allocation.at(-1)?.weights ?? {};
  const il = Object.values(lastForecast?.sources ?? {})
    .filter((s) => s.priceVolPct !== undefined)
    .map((s) => ({
      sourceId: s.sourceId,
      weight: lastWeights[s.sourceId] ?? 0,
      priceVolPct: s.priceVolPct!,
      ...ilExposure(s.priceVolPct!, lastForecast!.horizonDays),
    }));
  if (il.length === 0) notes.push("No source reported a price-volatility forecast: no LP (impermanent-loss) exposure.");

  const priceEvents = collapser();
  const incidents = collapser();
  let wasPaused = false;
  for (const r of records) {
    const t = timeOf(r);
    for (const reason of allReasons(r)) {
      if (PRICE_CODE.test(reason.code)) priceEvents.add(event(t, r, reason));
      else if (INCIDENT_CODE.test(reason.code) && reason.severity !== "info") incidents.add(event(t, r, reason));
    }
    for (const trig of r.detail.verdict?.triggers ?? []) {
      if (!PRICE_CODE.test(trig.code) && !INCIDENT_CODE.test(trig.code))
        incidents.add(event(t, r, { ...trig, severity: "halt" }));
    }
    for (const s of r.stages)
      if (s.error)
        incidents.add(
          event(t, r, { code: s.error.code, message: `${s.stage} failed: ${s.error.message}`, severity: "halt" }),
        );
    const paused = r.detail.snapshot?.paused;
    if (paused !== undefined) {
      if (paused && !wasPaused)
        incidents.add(
          event(t, r, { code: "VAULT_PAUSED", message: "the vault's kill-switch was pulled", severity: "halt" }),
        );
      if (!paused && wasPaused)
        incidents.add(event(t, r, { code: "VAULT_UNPAUSED", message: "the vault was unpaused", severity: "info" }));
      wasPaused = paused;
    }
    priceEvents.next();
    incidents.next();
  }
  const latestWithVerdict = verdicts.at(-1);
  const currentPrice = latestWithVerdict
    ? allReasons(latestWithVerdict)
        .filter((x) => PRICE_CODE.test(x.code))
        .map((x) => event(timeOf(latestWithVerdict), latestWithVerdict, x))
    : [];

  const interventions = [
    ...setChanges(records, (r) => r.detail.verdict?.forcedExits, "FORCED_EXIT", "Forced exit from"),
    ...setChanges(records, (r) => r.detail.verdict?.frozen, "FROZEN", "Frozen"),
    ...records
      .filter((r) => r.detail.action?.route === "safe")
      .map((r) =>
        event(timeOf(r), r, {
          code: "SAFE_PROPOSAL",
          message: "change sent to the Safe for human approval",
          severity: "info",
        }),
      ),
  ].sort((a, b) => a.t - b.t);

  // Rebalances are what reached the chain: dry runs and shadow decisions sent nothing.
  const executed = records.filter(
    (r) =>
      r.outcome === "executed" &&
      r.detail.gas &&
      r.detail.action?.route !== "dry-run" &&
      r.detail.action?.route !== "shadow",
  );
  const newestFirst = [...records].reverse();
  // Amounts in the base asset's units, as the rest of the report reads.
  const wouldHave = wouldHaveSent(newestFirst).map((w) => ({
    ...w,
    moves: w.moves.map((m) => ({ ...m, amount: formatUnits(BigInt(m.amount), opts.decimals) })),
  }));
  let cum = 0;
  const gasSeries: Point[] = [];
  for (const r of executed) {
    cum += r.detail.gas!.costUsd;
    gasSeries.push({ t: timeOf(r), value: cum });
  }
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
