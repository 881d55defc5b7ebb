import type { SourceKind } from "../domain/snapshot.ts";
import { modelGasUnits } from "../pipeline/gasCheck/gasModel.ts";
import { movesFromWeights } from "../pipeline/optimize/plan.ts";
import { equalPolicy, greedyPolicy, type Policy, staticMvoPolicy, topkPolicy } from "./baselines.ts";
import type { BacktestDeps, BacktestOptions, KeelStrategy, StrategyName, Tick } from "./engine.ts";
import type { SimMarket } from "./market.ts";
import { kindOf as kindOfPool } from "./marketMoves.ts";
import { oraclePolicy } from "./oracle.ts";

/** The reference strategy `name` with the config's caps and rules. */
function policyFor(name: Exclude<StrategyName, KeelStrategy>, o: BacktestOptions, deps: BacktestDeps): Policy {
  const { strategy: s, backtest: bt } = o.config;
  const base = {
    minIdleWeight: s.minIdleBps / 10_000,
    maxWeight: s.maxWeightPerSourceBps / 10_000,
    horizonDays: s.horizonDays,
    riskAversion: s.riskAversion,
  };
  switch (name) {
    case "equal":
      return equalPolicy({ ...base, rebalanceDays: bt.equalRebalanceDays });
    case "greedy":
      return greedyPolicy({ ...base, rebalanceDays: bt.greedyRebalanceDays, trailingDays: bt.greedyTrailingDays });
    case "topk":
      return topkPolicy({
        ...base,
        rebalanceDays: 1,
        hysteresisPct: bt.topkHysteresisPct,
        windowHours: bt.topkWindowHours,
      });
    case "static-mvo":
      return staticMvoPolicy({
        ...base,
        rebalanceDays: bt.staticMvoRebalanceDays,
        fitDays: bt.staticMvoFitDays,
        ...(deps.solver ? { solver: deps.solver } : {}),
      });
    case "oracle":
      return oraclePolicy({
        start: o.start,
        end: o.end,
        stepSeconds: o.stepSeconds,
        capitalUsd: o.capitalUsd,
        maxWeight: base.maxWeight,
        minIdleWeight: base.minIdleWeight,
        minMoveUnits: s.minMoveUnits,
        slippageBps: s.slippageBps,
        gasModel: s.gasModel,
      });
  }
}

/** A reference strategy: its target weights become moves (as keel's do) and are applied at the same costs. */
export function policyTick(
  name: Exclude<StrategyName, KeelStrategy>,
  o: BacktestOptions,
  deps: BacktestDeps,
  market: SimMarket,
  signal: AbortSignal,
): Tick {
  const s = o.config.strategy;
  const policy = policyFor(name, o, deps);
  const kinds = new Map<string, SourceKind>(deps.pools.map((p) => [p.poolId, kindOfPool(p)]));
  const kindOf = (id: string) => kinds.get(id) ?? "lending";
  const swapLegs = new Set(deps.pools.filter((p) => market.swapRoute(p)).map((p) => p.poolId));
  return async () => {
    const snapshot = await market.observe();
    const day = Math.floor((market.t - o.start) / 86_400);
    const target = await policy.decide({ t: market.t, day, snapshot, market }, signal);
    if (!target) return;
    const ids = snapshot.sources.map((x) => x.id);
    const plan = movesFromWeights(
      snapshot,
      ids,
      ids.map((id) => target[id] ?? 0),
      { decimals: o.config.backtest.decimals, minMoveUnits: s.minMoveUnits, minIdleWeight: s.minIdleBps / 10_000 },
    );
    if (plan.moves.length > 0)
      market.apply(
        plan.moves,
        modelGasUnits(plan.moves, kindOf, s.gasModel, (id) => swapLegs.has(id)),
      );
  };
}
