import { timeWeightedMean } from "../domain/dataset.ts";
import type { Snapshot } from "../domain/snapshot.ts";
import { dailyMeans, mean } from "../ml/series.ts";
import type { AllocationProblem } from "../pipeline/optimize/problem.ts";
import { horizonReturnPct } from "../pipeline/optimize/scenarios.ts";
import { type LpSolver, solveAllocation } from "../pipeline/optimize/solver.ts";
import type { SimMarket } from "./market.ts";

const DAY = 86_400;

/** What a baseline sees at a decision time. */
export interface PolicyContext {
  readonly t: number;
  /** Days since the backtest started. */
  readonly day: number;
  readonly snapshot: Snapshot;
  readonly market: SimMarket;
}

/** A baseline allocation rule: target weights per source, or undefined to hold. */
export interface Policy {
  readonly name: string;
  decide(ctx: PolicyContext, signal: AbortSignal): Promise<Record<string, number> | undefined>;
}

/** Shared limits of the baselines. */
export interface PolicyOptions {
  readonly minIdleWeight: number;
  readonly maxWeight: number;
  readonly horizonDays: number;
  readonly rebalanceDays: number;
  readonly riskAversion: number;
}

/** Whether `day` starts a new rebalancing period (the first day always does). */
function due(ctx: PolicyContext, lastDay: { value: number }, periodDays: number): boolean {
  if (lastDay.value >= 0 && ctx.day - lastDay.value < periodDays) return false;
  lastDay.value = ctx.day;
  return true;
}

/** Sources with a fresh rate now. */
function liveIds(ctx: PolicyContext): string[] {
  return ctx.snapshot.sources
    .filter((s) => ctx.market.isLive(ctx.market.pools.find((p) => p.poolId === s.id)!, ctx.t) && s.tvlUsd > 0)
    .map((s) => s.id);
}

/** `equal`: the same weight in every source with data (up to the weight cap), re-set every period. */
export function equalPolicy(o: PolicyOptions): Policy {
  const last = { value: -1 };
  return {
    name: "equal",
    async decide(ctx) {
      if (!due(ctx, last, o.rebalanceDays)) return undefined;
      const ids = liveIds(ctx);
      if (ids.length === 0) return undefined;
      const w = Math.min(o.maxWeight, (1 - o.minIdleWeight) / ids.length);
      return Object.fromEntries(ids.map((id) => [id, w]));
    },
  };
}

/**
 * Weights that fill sources in `ranked` order, each up to `cap`, until `invested` is placed: the
 * allocation the caps allow that earns the most when the ranking is by rate.
 */
export function fillByRank(ranked: readonly string[], cap: number, invested: number): Record<string, number> {
  const out: Record<string, number> = {};
  let left = invested;
  for (const id of ranked) {
    if (left <= 1e-12) break;
    const w = Math.min(cap, left);
    out[id] = w;
    left -= w;
  }
  return out;
}

/** `greedy`: the best trailing rates, each up to the weight cap (less the idle buffer), re-chosen every period. */
export function greedyPolicy(o: PolicyOptions & { trailingDays: number }): Policy {
  const last = { value: -1 };
  return {
    name: "greedy",
    async decide(ctx) {
      if (!due(ctx, last, o.rebalanceDays)) return undefined;
      const ids = liveIds(ctx);
      if (ids.length === 0) return undefined;
      const from = ctx.t - o.trailingDays * DAY;
      const trailing = new Map(
        ids.map((id) => [id, timeWeightedMean(ctx.market.data.rates.get(id) ?? [], from, ctx.t)]),
      );
      const ranked = [...ids].sort((a, b) => (trailing.get(b) ?? 0) - (trailing.get(a) ?? 0));
      return fillByRank(ranked, o.maxWeight, 1 - o.minIdleWeight);
    },
  };
}

/**
 * `topk`: the sources with the best current rate — averaged, time-weighted, with the `windowHours − 1` hours
 * before it, so that one noisy hour does not count — each up to the weight cap (as many as it takes to place all but the idle
 * buffer). Checked every step; a held source is replaced by an outside one, or two held sources change
 * places, only when the better one's rate is higher by `hysteresisPct` points.
 */
export function topkPolicy(o: PolicyOptions & { hysteresisPct: number; windowHours: number }): Policy {
  let held: string[] = [];
  return {
    name: "topk",
    async decide(ctx) {
      const ids = liveIds(ctx);
      if (ids.length === 0) return undefined;
      const now = new Map(ctx.snapshot.sources.map((s) => [s.id, s.aprPct]));
      const past = (id: string) =>
        timeWeightedMean(ctx.market.data.rates.get(id) ?? [], ctx.t - (o.windowHours - 1) * 3_600, ctx.t);
      // The last `windowHours`: the hours before now as they were, and the coming hour at the current rate.
      const rate = new Map(
        ids.map((id) => [id, ((o.windowHours - 1) * past(id) + (now.get(id) ?? 0)) / o.windowHours]),
      );
      const r = (id: string) => rate.get(id) ?? Number.NEGATIVE_INFINITY;
      const k = Math.min(ids.length, Math.ceil((1 - o.minIdleWeight) / o.maxWeight - 1e-9));
      const ranked = [...ids].sort((a, b) => r(b) - r(a));
      const next = held.filter((id) => ids.includes(id));
      for (const id of ranked) if (next.length < k && !next.includes(id)) next.push(id);
      for (const out of ranked.filter((id) => !next.includes(id))) {
        const worst = next.reduce((w, id) => (r(id) < r(w) ? id : w), next[0]!);
        if (r(out) > r(worst) + o.hysteresisPct) next[next.indexOf(worst)] = out;
      }
      // Fill order: stable, except that a source overtakes the one before it past the hysteresis.
      for (let i = 1; i < next.length; i++) {
        for (let j = i; j > 0 && r(next[j]!) > r(next[j - 1]!) + o.hysteresisPct; j--) {
          [next[j - 1], next[j]] = [next[j]!, next[j - 1]!];
        }
      }
      if (next.length === held.length && next.every((id, i) => id === held[i])) return undefined;
      held = next;
      return fillByRank(next, o.maxWeight, 1 - o.minIdleWeight);
    },
  };
}

/** A weight problem with no position to move from and no costs (for the baselines' own solves). */
function freshProblem(
  ids: string[],
  mu: number[],
  scenarios: number[][],
  o: PolicyOptions,
  objective: AllocationProblem["objective"],
): AllocationProblem {
  const zeros = ids.map(() => 0);
  return {
    ids,
    kinds: ids.map(() => "lending"),
    current: zeros,
    lower: zeros,
    upper: ids.map(() => o.maxWeight),
    maxInvested: 1 - o.minIdleWeight,
    mu,
    scenarios,
    costIn: zeros,
    costOut: zeros,
    fixedCost: zeros,
    baseFixedCost: 0,
    riskAversion: o.riskAversion,
    alpha: 0.95,
    objective,
    milp: false,
  };
}

/**
 * `static-mvo`: mean-variance weights fitted once, on the daily rates of the `fitDays` before the
 * start (HiGHS QP; closed form without a solver), then restored every period.
 */
export function staticMvoPolicy(o: PolicyOptions & { fitDays: number; solver?: LpSolver }): Policy {
  const last = { value: -1 };
  let target: Record<string, number> | undefined;
  return {
    name: "static-mvo",
    async decide(ctx, signal) {
      if (!due(ctx, last, o.rebalanceDays)) return undefined;
      if (!target) {
        const ids = liveIds(ctx);
        const series = ids.map((id) => dailyMeans(ctx.market.data.rates.get(id) ?? [], ctx.t + 1, o.fitDays));
        const days = series[0]?.length ?? 0;
        const scenarios: number[][] = [];
        for (let k = 0; k < days; k++) {
          const row = series.map((s) => s[k] ?? Number.NaN);
          if (row.every(Number.isFinite)) scenarios.push(row.map((apr) => horizonReturnPct(apr, o.horizonDays)));
        }
        const mu = ids.map((_, i) => mean(scenarios.map((r) => r[i] ?? 0)) || 0);
        const problem = freshProblem(ids, mu, scenarios, o, "mean-variance");
        const { weights } = await solveAllocation(problem, o.solver, signal);
        target = Object.fromEntries(ids.map((id, i) => [id, weights[i] ?? 0]));
      }
      return target;
    },
  };
}
