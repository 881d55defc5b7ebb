import type { StrategyRun } from "../backtest/engine.ts";
import { parseBacktestJson, reportFromBacktest } from "./fromBacktest.ts";
import { renderReport } from "./html.ts";
import { drawdowns } from "./stats.ts";
import { lineChart } from "./svg.ts";

/** Bigints as decimal strings, so decision records survive JSON. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) as T;
}

/**
 * The self-contained HTML report of a backtest: the shared report renderer (metrics table, keel's
 * allocation over time, drawdown, risk-gate interventions, gas) from the backtest document with keel's
 * series and decisions, plus one section comparing every strategy's equity curve and drawdown.
 */
export function renderBacktestReport(
  doc: { start: string; end: string; capital_usd: number; strategies: Record<string, object> },
  runs: readonly StrategyRun[],
  now: number,
): string {
  const withSeries = {
    ...doc,
    strategies: Object.fromEntries(
      Object.entries(doc.strategies).map(([name, metrics]) => {
        const run = runs.find((r) => r.name === name);
        if (!run || name !== "keel") return [name, metrics];
        return [
          name,
          {
            ...metrics,
            equity: run.equity.map((p) => ({ t: p.t, value: p.value })),
            allocations: run.allocations.map((a) => ({ t: a.t, weights: withIdle(a.weights) })),
            decisions: plain(run.decisions),
          },
        ];
      }),
    ),
  };
  const data = reportFromBacktest(parseBacktestJson(withSeries, "backtest"), {
    now,
    strategy: "keel" in doc.strategies ? "keel" : (runs[0]?.name ?? "keel"),
  });
  const html = renderReport(data);
  const curves = runs.map((r) => ({
    name: r.name,
    points: r.equity.map((p) => ({ t: p.t, value: (100 * p.value) / (r.equity[0]?.value || 1) })),
  }));
  const dds = runs.map((r) => ({
    name: r.name,
    points: drawdowns(r.equity.map((p) => ({ t: p.t, value: p.value }))).series.map((p) => ({
      t: p.t,
      value: -100 * p.value,
    })),
  }));
  const section = `<section id="all-strategies"><h2>Every strategy: equity and drawdown</h2>
<h3>Net value (start = 100, after gas and slippage)</h3>${lineChart(curves, { label: "net value, start = 100" })}
<h3>Drawdown (%)</h3>${lineChart(dds, { label: "drawdown %", unit: "%" })}</section>`;
  return html.replace("</body>", `${section}\n</body>`);
}

function withIdle(weights: Record<string, number>): Record<string, number> {
  const invested = Object.values(weights).reduce((a, b) => a + b, 0);
  return { ...weights, idle: Math.max(0, 1 - invested) };
}
