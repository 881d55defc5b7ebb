import { type Dataset, timeWeightedMean } from "../domain/dataset.ts";
import type { StrategyRun } from "./engine.ts";

const YEAR = 365 * 86_400;

/** The metric keys, in the order the table prints them. */
export const METRIC_KEYS = [
  "net_apy_pct",
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
 * Annualised volatility of daily returns, %: the value at each UTC day boundary of the run (and at its
 * end), the standard deviation of the day-to-day returns, × √365.
 */
export function dailyVolatilityPct(eq: readonly { t: number; value: number }[]): number {
  const daily = eq.filter((p, i) => p.t % 86_400 === 0 || i === eq.length - 1);
  const returns: number[] = [];
  for (let i = 1; i < daily.length; i++) {
    const a = daily[i - 1]!.value;
    if (a > 0) returns.push(daily[i]!.value / a - 1);
  }
  if (returns.length < 2) return 0;
  const m = returns.reduce((x, y) => x + y, 0) / returns.length;
  const sd = Math.sqrt(returns.reduce((x, r) => x + (r - m) ** 2, 0) / (returns.length - 1));
  return 100 * sd * Math.sqrt(365);
}

/**
 * Metrics from a run, in the vault's base asset by default (its share price; `usd` values positions and
 * gas in USD instead, so a depeg of the base asset itself shows): net APY (compounded, net of gas and
 * slippage), annualised volatility of daily returns, max drawdown, gas as % of average AUM per year,
 * rebalances, turnover (one-way volume moved per year ÷ average AUM), and win rate (rebalances whose
 * realised gain over the horizon — time-weighted realised rates of what was moved — beat their gas and
 * slippage). Capture is filled later. No Sharpe or Sortino ratio: a lending book's daily returns barely
 * vary, so the ratio measures how smoothly interest accrues (it prints 30-300), not risk.
 */
export function strategyMetrics(
  run: StrategyRun,
  data: Dataset,
  opts: { horizonDays: number; numeraire?: "base" | "usd" },
): StrategyMetrics & { volatility_pct: number } {
  const eq = run.equity.map((p) => ({ t: p.t, value: opts.numeraire === "usd" ? p.valueUsd : p.value }));
  const first = eq[0];
  const last = eq.at(-1);
  if (!first || !last || last.t <= first.t || !(run.initial.value > 0)) {
    return {
      net_apy_pct: 0,
      volatility_pct: 0,
      max_drawdown_pct: 0,
      gas_pct_aum: 0,
      rebalances: run.rebalances.length,
      turnover: 0,
      win_rate_pct: null,
      capture: null,
    };
  }
  const years = (last.t - first.t) / YEAR;
  // From the capital before the first decision, so the costs of first investing it count.
  const initial = opts.numeraire === "usd" ? run.initial.valueUsd : run.initial.value;
  const apy = (last.value / initial) ** (1 / years) - 1;
  const avgAum = eq.reduce((x, p) => x + p.value, 0) / eq.length;
  const gas = run.rebalances.reduce((x, r) => x + (opts.numeraire === "usd" ? r.gasUsd : r.gasBase), 0);
  const moved = run.rebalances.reduce((x, r) => x + Object.values(r.deltas).reduce((a, d) => a + Math.abs(d), 0), 0);
  const wins = run.rebalances.filter(
    (r) => realisedGainUsd(r.deltas, r.t, data, opts.horizonDays) > r.gasBase + r.slippageUsd,
  );
  return {
    net_apy_pct: round(100 * apy),
    volatility_pct: round(dailyVolatilityPct(eq)),
    max_drawdown_pct: round(maxDrawdownPct(eq.map((p) => p.value))),
    gas_pct_aum: round((100 * gas) / avgAum / years),
    rebalances: run.rebalances.length,
    turnover: round(moved / 2 / avgAum / years, 3),
    win_rate_pct: run.rebalances.length > 0 ? round((100 * wins.length) / run.rebalances.length, 2) : null,
    capture: null,
  };
}

/**
 * Realised gain over the horizon of moving `deltas` (base units ≈ USD) at time t, vs not moving, at the
 * time-weighted realised rates (`data` is the dataset as it happened).
 */
export function realisedGainUsd(deltas: Record<string, number>, t: number, data: Dataset, horizonDays: number): number {
  let gain = 0;
  for (const [id, d] of Object.entries(deltas)) {
    const apr = timeWeightedMean(data.rates.get(id) ?? [], t, t + horizonDays * 86_400);
    gain += (d * apr * horizonDays) / 365 / 100;
  }
  return gain;
}

/** capture = (strategy − equal) / (oracle − equal), on net APY (oracle is the perfect-foresight bound); null when undefined. */
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
