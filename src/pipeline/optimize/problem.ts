import { toFloat } from "../../domain/amounts.ts";
import type { SourceForecast } from "../../domain/decision.ts";
import { type Reason, reason } from "../../domain/reasons.ts";
import type { SourceKind } from "../../domain/snapshot.ts";
import type { OptimizeInput } from "../types.ts";
import { swapCostFraction } from "./impact.ts";
import { buildScenarios, horizonReturnPct } from "./scenarios.ts";

/** The allocation problem in weights (fractions of total assets); returns and costs in % of assets. */
export interface AllocationProblem {
  readonly ids: readonly string[];
  readonly kinds: readonly SourceKind[];
  /** Current weights. */
  readonly current: readonly number[];
  /** Bounds on target weights (forced exits, caps, frozen sources, withdrawal limits). */
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  /** Σ w ≤ maxInvested (1 − min idle, relaxed only when withdrawals cannot reach it). */
  readonly maxInvested: number;
  /** Expected (P50) return over the horizon, % per unit weight. */
  readonly mu: readonly number[];
  /** Scenario returns over the horizon, % per unit weight: scenarios × sources. */
  readonly scenarios: readonly (readonly number[])[];
  /** Proportional cost of moving one unit of weight in / out, %. */
  readonly costIn: readonly number[];
  readonly costOut: readonly number[];
  /** Fixed cost of touching a source (its gas leg) and of any rebalance at all, % of assets. */
  readonly fixedCost: readonly number[];
  readonly baseFixedCost: number;
  readonly riskAversion: number;
  readonly alpha: number;
  readonly objective: "cvar" | "mean-variance" | "greedy";
  /** Model the fixed costs with binaries (MILP) in the CVaR solve. */
  readonly milp: boolean;
}

/** The parts of the strategy config the problem needs. */
export interface ProblemOptions {
  readonly horizonDays: number;
  readonly minIdleBps: number;
  readonly maxWeightPerSourceBps: number;
  readonly riskAversion: number;
  readonly objective: "cvar" | "mean-variance" | "greedy";
  readonly solverFixedCosts: boolean;
  readonly cvarAlpha: number;
  readonly scenarioCount: number;
  readonly scenarioCorrelation: number;
  readonly slippageBps: Readonly<Record<SourceKind, number>>;
  readonly decimals: number;
}

/** Fixed gas costs for the problem, in USD (the optimizer's estimate; the gas check decides). */
export interface FixedCostsUsd {
  readonly base: number;
  readonly deposit: Readonly<Record<SourceKind, number>>;
  readonly withdraw: Readonly<Record<SourceKind, number>>;
  /** Extra gas of a swap leg's move, USD. */
  readonly swap: number;
}

const EPS = 1e-12;

/**
 * One source's weight bounds: its current weight, the least it can be cut to now (maxWithdraw), and the most it may
 * hold — 0 for a forced exit; its current weight without a forecast, or when frozen or not listed by the gate; else
 * the gate's cap within the per-source maximum. Its forecast (its current rate without one). Adds the reasons.
 */
function sourceBounds(
  s: OptimizeInput["snapshot"]["sources"][number],
  forecast: OptimizeInput["forecast"],
  verdict: OptimizeInput["verdict"],
  o: { totalF: number; maxW: number; decimals: number },
  reasons: Reason[],
): { w0: number; lo: number; hi: number; fc: Pick<SourceForecast, "p10" | "p50" | "p90" | "priceVolPct"> } {
  const { totalF, maxW } = o;
  const exits = new Set(verdict.forcedExits);
  const w0 = totalF > 0 ? toFloat(s.balance, o.decimals) / totalF : 0;
  const withdrawable = totalF > 0 ? toFloat(s.maxWithdraw, o.decimals) / totalF : 0;
  const lo = Math.max(0, w0 - withdrawable);
  const given = forecast.sources[s.id];
  const fc = given ?? { p10: s.aprPct, p50: s.aprPct, p90: s.aprPct };
  let hi: number;
  if (exits.has(s.id)) {
    hi = 0;
  } else if (given === undefined) {
    // No forecast: hold what is there (valued at its current rate), add nothing.
    reasons.push(reason("NO_FORECAST", `no forecast for ${s.id}: held, no new deposits`, { sourceId: s.id }));
    hi = Math.min(w0, maxW);
  } else {
    const cap = verdict.caps[s.id];
    // A source the gate did not list is held but gets no new deposits, like a frozen one.
    hi = Math.min(cap ?? w0, maxW);
    if (verdict.frozen.includes(s.id)) hi = Math.min(hi, w0);
  }
  if (hi < lo) {
    if (exits.has(s.id) || hi < w0) {
      reasons.push(
        reason("WITHDRAW_LIMITED", `${s.id} can only partly leave now (maxWithdraw)`, {
          sourceId: s.id,
          value: w0 - lo,
          limit: w0 - hi,
          severity: "warn",
        }),
      );
    }
    hi = lo;
  }
  return { w0, lo, hi, fc };
}

/** Builds the weight-space problem from the stage input; also returns the reasons that shaped it. */
export function buildProblem(
  input: OptimizeInput,
  opts: ProblemOptions,
  fixedUsd: FixedCostsUsd,
  totalUsd: number,
): { problem: AllocationProblem; reasons: Reason[] } {
  const { snapshot, forecast, verdict } = input;
  const reasons: Reason[] = [];
  const total = snapshot.vault.totalAssets;
  const totalF = toFloat(total, opts.decimals);
  const maxW = opts.maxWeightPerSourceBps / 10_000;

  const ids: string[] = [];
  const kinds: SourceKind[] = [];
  const current: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  const forecasts: Pick<SourceForecast, "p10" | "p50" | "p90" | "priceVolPct">[] = [];
  for (const s of snapshot.sources) {
    const { w0, lo, hi, fc } = sourceBounds(s, forecast, verdict, { totalF, maxW, decimals: opts.decimals }, reasons);
    ids.push(s.id);
    kinds.push(s.kind);
    current.push(w0);
    lower.push(lo);
    upper.push(Math.max(hi, lo));
    forecasts.push(fc);
  }

  const minIdle = Math.max(verdict.minIdleWeight, opts.minIdleBps / 10_000);
  const sumLower = lower.reduce((a, b) => a + b, 0);
  const maxInvested = Math.max(0, Math.max(1 - minIdle, sumLower + EPS));
  const mu = forecasts.map((f) => horizonReturnPct(f.p50, opts.horizonDays));
  const scenarios = buildScenarios(
    forecasts.map((f, i) => ({ forecast: f, kind: kinds[i] ?? "lending" })),
    { count: opts.scenarioCount, horizonDays: opts.horizonDays, correlation: opts.scenarioCorrelation },
  );
  // A swap leg also pays its route's fee and price impact, taken at half the largest move (a linear stand-in;
  // the switching rule prices the plan's real amounts).
  const slip = kinds.map((k, i) => {
    const swap = snapshot.sources[i]?.swap;
    const half = (Math.max((upper[i] ?? 0) - (current[i] ?? 0), (current[i] ?? 0) - (lower[i] ?? 0)) * totalUsd) / 2;
    return opts.slippageBps[k] / 100 + (swap ? 100 * swapCostFraction(half, swap) : 0);
  });
  const pctOfTotal = (usd: number) => (totalUsd > 0 ? (100 * usd) / totalUsd : 0);
  const fixedCost = kinds.map((k, i) =>
    pctOfTotal(Math.max(fixedUsd.deposit[k], fixedUsd.withdraw[k]) + (snapshot.sources[i]?.swap ? fixedUsd.swap : 0)),
  );
  return {
    problem: {
      ids,
      kinds,
      current,
      lower,
      upper,
      maxInvested,
      mu,
      scenarios,
      costIn: slip,
      costOut: slip,
      fixedCost,
      baseFixedCost: pctOfTotal(fixedUsd.base),
      riskAversion: opts.riskAversion,
      alpha: opts.cvarAlpha,
      objective: opts.objective,
      milp: opts.solverFixedCosts,
    },
    reasons,
  };
}

/**
 * Whether weights satisfy the problem's bounds and budget within `tol`. With `driftPct`, an upper
 * bound may also be exceeded by that share of itself: positions grow by accrual past caps that were
 * met when set, and trimming the interest is not worth a transaction.
 */
export function isFeasible(p: AllocationProblem, w: readonly number[], tol = 1e-7, driftPct = 0): boolean {
  let total = 0;
  for (let i = 0; i < p.ids.length; i++) {
    const x = w[i] ?? 0;
    const hi = p.upper[i] ?? 0;
    if (x < (p.lower[i] ?? 0) - tol || x > hi + Math.max(tol, (hi * driftPct) / 100)) return false;
    total += x;
  }
  return total <= p.maxInvested + Math.max(tol, ((1 - p.maxInvested) * driftPct) / 100);
}

/** Risk-adjusted value of weights in % of assets (higher is better), proportional costs included. */
export function objectiveValue(p: AllocationProblem, w: readonly number[]): number {
  const n = p.ids.length;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const x = w[i] ?? 0;
    const d = x - (p.current[i] ?? 0);
    value += (p.mu[i] ?? 0) * x - (d > 0 ? (p.costIn[i] ?? 0) * d : (p.costOut[i] ?? 0) * -d);
  }
  if (p.riskAversion === 0 || p.scenarios.length === 0) return value;
  const returns = p.scenarios.map((row) => row.reduce((acc, r, i) => acc + r * (w[i] ?? 0), 0));
  if (p.objective === "mean-variance") {
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / returns.length;
    return value - (p.riskAversion / 2) * variance;
  }
  return value - p.riskAversion * cvarLoss(returns, p.alpha);
}

/** CVaR at level α of the loss (−return): the mean of the worst (1 − α) share of scenarios. */
export function cvarLoss(returns: readonly number[], alpha: number): number {
  if (returns.length === 0) return 0;
  const losses = returns.map((r) => -r).sort((a, b) => b - a);
  const tail = Math.max(1, Math.ceil((1 - alpha) * losses.length));
  let s = 0;
  for (let i = 0; i < tail; i++) s += losses[i] ?? 0;
  return s / tail;
}
