import { between, type Dataset } from "../domain/dataset.ts";
import type { StrategyRun } from "./engine.ts";

const YEAR = 365 * 86_400;

/** The metric keys, in the order the table prints them. */
export const METRIC_KEYS = [
  "net_apy_pct",
  "sharpe",
  "sortino",
  "max_drawdown_pct",
  "gas_pct_aum",
  "rebalances",
  "turnover",
  "win_rate_pct",
  "capture",
] as const;

/** Metrics of one strategy, as printed by `keel backtest --json`. */
export interface StrategyMetrics {
  net_apy_pct: number;
  sharpe: number | null;
  sortino: number | null;
  max_drawdown_pct: number;
  gas_pct_aum: number;
  rebalances: number;
  turnover: number;
  win_rate_pct: number | null;
  capture: number | null;
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Max drawdown of a value series, in % (positive). */
export function maxDrawdownPct(values: readonly number[]): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const v of values) {
    peak = Math.max(peak, v);
    if (peak > 0) worst = Math.max(worst, (peak - v) / peak);
  }
  return 100 * worst;
}

/**
 * Metrics from a run, in the vault's base asset by default (its share price; `usd` values positions and
 * gas in USD instead, so a depeg of the base asset itself shows): net APY (compounded, net of gas and slippage), annualised volatility, Sharpe and
 * Sortino over a risk-free rate, max drawdown, gas as % of average AUM per year, rebalances, turnover
 * (one-way volume moved per year ÷ average AUM), and win rate (rebalances whose realised gain over the
 * horizon — realised rates of what was moved — beat their gas and slippage). Capture is filled later.
 */
export function strategyMetrics(
  run: StrategyRun,
  data: Dataset,
  opts: { horizonDays: number; riskFreePct: number; numeraire?: "base" | "usd" },
): StrategyMetrics & { volatility_pct: number } {
  const eq = run.equity.map((p) => ({ t: p.t, valueUsd: opts.numeraire === "usd" ? p.valueUsd : p.value }));
  const first = eq[0];
  const last = eq.at(-1);
  if (!first || !last || last.t <= first.t || first.valueUsd <= 0) {
    return {
      net_apy_pct: 0,
      volatility_pct: 0,
      sharpe: null,
      sortino: null,
      max_drawdown_pct: 0,
      gas_pct_aum: 0,
      rebalances: run.rebalances.length,
      turnover: 0,
      win_rate_pct: null,
      capture: null,
    };
  }
  const years = (last.t - first.t) / YEAR;
  const apy = (last.valueUsd / first.valueUsd) ** (1 / years) - 1;
  const returns: number[] = [];
  for (let i = 1; i < eq.length; i++) {
    const a = eq[i - 1]!.valueUsd;
    if (a > 0) returns.push(eq[i]!.valueUsd / a - 1);
  }
  const dt = (last.t - first.t) / Math.max(1, eq.length - 1);
  const perYear = YEAR / dt;
  const meanR = returns.reduce((x, y) => x + y, 0) / Math.max(1, returns.length);
  const sd = Math.sqrt(returns.reduce((x, r) => x + (r - meanR) ** 2, 0) / Math.max(1, returns.length - 1));
  const rfStep = opts.riskFreePct / 100 / perYear;
  const downside = Math.sqrt(
    returns.reduce((x, r) => x + Math.min(0, r - rfStep) ** 2, 0) / Math.max(1, returns.length),
  );
  const annualExcess = (meanR - rfStep) * perYear;
  const vol = sd * Math.sqrt(perYear);
  const dsd = downside * Math.sqrt(perYear);
  const avgAum = eq.reduce((x, p) => x + p.valueUsd, 0) / eq.length;
  const gasUsd = run.rebalances.reduce((x, r) => x + (opts.numeraire === "usd" ? r.gasUsd : r.gasBase), 0);
  const moved = run.rebalances.reduce((x, r) => x + Object.values(r.deltas).reduce((a, d) => a + Math.abs(d), 0), 0);
  const wins = run.rebalances.filter(
    (r) => realisedGainUsd(r.deltas, r.t, data, opts.horizonDays) > r.gasBase + r.slippageUsd,
  );
  return {
    net_apy_pct: round(100 * apy),
    volatility_pct: round(100 * vol),
    sharpe: vol > 1e-12 ? round(annualExcess / vol, 3) : null,
    sortino: dsd > 1e-12 ? round(annualExcess / dsd, 3) : null,
    max_drawdown_pct: round(maxDrawdownPct(eq.map((p) => p.valueUsd))),
    gas_pct_aum: round((100 * gasUsd) / avgAum / years),
    rebalances: run.rebalances.length,
    turnover: round(moved / 2 / avgAum / years, 3),
    win_rate_pct: run.rebalances.length > 0 ? round((100 * wins.length) / run.rebalances.length, 2) : null,
    capture: null,
  };
}

/** Realised gain over the horizon of moving `deltas` (base units ≈ USD) at time t, vs not moving. */
export function realisedGainUsd(deltas: Record<string, number>, t: number, data: Dataset, horizonDays: number): number {
  let gain = 0;
  for (const [id, d] of Object.entries(deltas)) {
    const pts = between(data.rates.get(id) ?? [], t, t + horizonDays * 86_400);
    if (pts.length === 0) continue;
    const apr = pts.reduce((a, p) => a + p.aprPct, 0) / pts.length;
    gain += (d * apr * horizonDays) / 365 / 100;
  }
  return gain;
}

/** capture = (strategy − equal) / (oracle − equal), on net APY; null when undefined. */
export function withCapture(all: Record<string, StrategyMetrics>): Record<string, StrategyMetrics> {
  const eq = all.equal?.net_apy_pct;
  const or = all.oracle?.net_apy_pct;
  const out: Record<string, StrategyMetrics> = {};
  for (const [name, m] of Object.entries(all)) {
    const capture =
      eq !== undefined && or !== undefined && Math.abs(or - eq) > 1e-9
        ? round((m.net_apy_pct - eq) / (or - eq), 3)
        : null;
    out[name] = { ...m, capture };
  }
  return out;
}
