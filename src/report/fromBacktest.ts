import { z } from "zod";
import type { DecisionRecord } from "../domain/decision.ts";
import { ConfigError } from "../domain/errors.ts";
import { reportFromDecisions } from "./fromJournal.ts";
import { BACKTEST_METRIC_KEYS, type ReportData } from "./model.ts";
import { drawdowns, historicalVarCvar, type Point, returns } from "./stats.ts";

const timeValue = z.union([z.number(), z.string()]);
const pointSchema = z.looseObject({
  t: timeValue.optional(),
  date: timeValue.optional(),
  timestamp: timeValue.optional(),
  value: z.number(),
});

/**
 * `keel backtest --json` output: the documented metrics per strategy, plus optional series
 * (`equity`, `allocations`, `decisions` — the strategy's journal records) when the backtester writes them.
 */
export const backtestJsonSchema = z.looseObject({
  start: z.string(),
  end: z.string(),
  capital_usd: z.number(),
  strategies: z.record(
    z.string(),
    z.looseObject({
      net_apy_pct: z.number().nullable().optional(),
      equity: z.array(pointSchema).optional(),
      allocations: z
        .array(
          z.looseObject({
            t: timeValue.optional(),
            date: timeValue.optional(),
            weights: z.record(z.string(), z.number()),
          }),
        )
        .optional(),
      decisions: z
        .array(
          z.looseObject({
            id: z.string(),
            outcome: z.string(),
            stages: z.array(z.unknown()),
            detail: z.looseObject({}),
          }),
        )
        .optional(),
    }),
  ),
});

export type BacktestJson = z.infer<typeof backtestJsonSchema>;

/** Unix seconds from a number (seconds or milliseconds) or an ISO date. */
function seconds(v: string | number | undefined): number {
  if (typeof v === "number") return v > 1e12 ? Math.floor(v / 1000) : v;
  if (typeof v === "string") {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
  }
  return Number.NaN;
}

/** Parses a backtest JSON document (already JSON.parse'd); problems name the field. */
export function parseBacktestJson(raw: unknown, source: string): BacktestJson {
  const result = backtestJsonSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      `${source} is not a keel backtest JSON document`,
      result.error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message })),
    );
  }
  return result.data;
}

/**
 * Builds the report from a backtest: the metrics table for every strategy, and for `strategy`
 * (default `keel`) its decisions, equity and allocation series when the document carries them.
 */
export function reportFromBacktest(
  doc: BacktestJson,
  opts: { now: number; strategy?: string; baseSymbol?: string },
): ReportData {
  const name = opts.strategy ?? ("keel" in doc.strategies ? "keel" : (Object.keys(doc.strategies)[0] ?? "keel"));
  const strat = doc.strategies[name];
  const table: Record<string, Record<string, number | null>> = {};
  for (const [s, m] of Object.entries(doc.strategies)) {
    table[s] = Object.fromEntries(
      BACKTEST_METRIC_KEYS.map((k) => [k, typeof m[k] === "number" ? (m[k] as number) : null]),
    );
  }
  const origin = {
    kind: "backtest" as const,
    description: `backtest ${doc.start} → ${doc.end}, capital ${doc.capital_usd.toLocaleString("en-US")} USD, strategy "${name}"`,
  };
  const base = reportFromDecisions((strat?.decisions ?? []) as unknown as DecisionRecord[], {
    title: "keel risk assessment — backtest",
    baseSymbol: opts.baseSymbol ?? "USD",
    decimals: 0,
    origin,
    now: opts.now,
  });
  const notes = [...base.notes];
  if (!strat?.decisions)
    notes.push(
      `The backtest JSON carries no decision records for "${name}": forecasts, interventions and gas come from its summary metrics only.`,
    );

  let equity: Point[] = base.equity as Point[];
  if (strat?.equity && strat.equity.length > 0) {
    equity = strat.equity
      .map((p) => ({ t: seconds(p.t ?? p.date ?? p.timestamp), value: p.value }))
      .filter((p) => Number.isFinite(p.t));
  }
  if (equity.length === 0)
    notes.push(`No equity series for "${name}": drawdown and historical VaR come from the summary only.`);
  const dd = drawdowns(equity);
  const hist = historicalVarCvar(returns(equity));
  const allocation = strat?.allocations
    ? strat.allocations
        .map((a) => ({ t: seconds(a.t ?? a.date), weights: a.weights }))
        .filter((a) => Number.isFinite(a.t))
    : base.allocation;
  const summaryDd = typeof strat?.max_drawdown_pct === "number" ? (strat.max_drawdown_pct as number) : null;
  const start = seconds(doc.start);
  const end = seconds(doc.end);
  return {
    ...base,
    period: Number.isFinite(start) && Number.isFinite(end) ? { start, end } : base.period,
    equity,
    equityLabel: strat?.equity ? "equity (USD)" : base.equityLabel,
    allocation,
    risk: {
      ...base.risk,
      historical: hist ? { varPct: hist.var * 100, cvarPct: hist.cvar * 100, steps: equity.length - 1 } : null,
      maxDrawdownPct: equity.length > 0 ? dd.max * 100 : (summaryDd ?? 0),
      drawdown: dd.series.map((p) => ({ t: p.t, value: p.value * 100 })),
    },
    strategies: table,
    notes: notes.filter((n) => !(strat?.equity && n.startsWith("Historical VaR") && hist)),
  };
}
