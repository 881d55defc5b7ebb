import { between } from "../domain/dataset.ts";
import type { Snapshot } from "../domain/snapshot.ts";
import { dailyMeans, mean } from "../ml/series.ts";
import { solveGreedy } from "../pipeline/optimize/greedy.ts";
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

/** `equal`: the same weight in every source with data, re-set every period. */
export function equalPolicy(o: PolicyOptions): Policy {
  const last = { value: -1 };
  return {
    name: "equal",
    async decide(ctx) {
      if (!due(ctx, last, o.rebalanceDays)) return undefined;
      const ids = liveIds(ctx);
      if (ids.length === 0) return undefined;
      const w = (1 - o.minIdleWeight) / ids.length;
      return Object.fromEntries(ids.map((id) => [id, w]));
    },
  };
}

/** Mean APR over [from, to) of a source's dataset series; NaN when no point falls in it. */
function meanApr(market: SimMarket, id: string, from: number, to: number): number {
  return mean(between(market.data.rates.get(id) ?? [], from, to).map((p) => p.aprPct));
}

/** `greedy`: everything (less the idle buffer) in the best trailing rate, re-chosen every period. */
export function greedyPolicy(o: PolicyOptions & { trailingDays: number }): Policy {
  const last = { value: -1 };
  return {
    name: "greedy",
    async decide(ctx) {
      if (!due(ctx, last, o.rebalanceDays)) return undefined;
      let best: string | undefined;
      let bestApr = Number.NEGATIVE_INFINITY;
      for (const id of liveIds(ctx)) {
        const apr = meanApr(ctx.market, id, ctx.t - o.trailingDays * DAY, ctx.t + 1);
        if (Number.isFinite(apr) && apr > bestApr) {
          bestApr = apr;
          best = id;
        }
      }
      return best === undefined ? undefined : { [best]: 1 - o.minIdleWeight };
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

/**
 * `oracle`: perfect foresight of the next horizon's realised rates (the upper bound). Every horizon it
 * takes the best allocation under the same weight cap and idle buffer, and moves only when the realised
 * gain pays for the estimated costs.
 */
export function oraclePolicy(o: PolicyOptions & { costUsd: (weights: Record<string, number>) => number }): Policy {
  const last = { value: -1 };
  return {
    name: "oracle",
    async decide(ctx) {
      if (!due(ctx, last, o.horizonDays)) return undefined;
      const ids = liveIds(ctx);
      const horizon = o.horizonDays * DAY;
      const mu = ids.map((id) => {
        const apr = meanApr(ctx.market, id, ctx.t, ctx.t + horizon);
        return horizonReturnPct(Number.isFinite(apr) ? apr : 0, o.horizonDays);
      });
      const weights = solveGreedy(freshProblem(ids, mu, [], { ...o, riskAversion: 0 }, "greedy"));
      const target = Object.fromEntries(ids.map((id, i) => [id, weights[i] ?? 0]));
      const current = ctx.market.weights(ctx.t);
      const totalUsd = ctx.market.netValueUsd(ctx.t);
      const gainUsd = ids.reduce(
        (acc, id, i) => acc + ((target[id] ?? 0) - (current[id] ?? 0)) * totalUsd * ((mu[i] ?? 0) / 100),
        0,
      );
      return gainUsd > o.costUsd(target) ? target : undefined;
    },
  };
}
