import type { Dataset, PoolInfo } from "../domain/dataset.ts";
import type { DecisionRecord } from "../domain/decision.ts";
import { modelGasUnits } from "../pipeline/gasCheck/gasModel.ts";
import { movesFromWeights } from "../pipeline/optimize/plan.ts";
import type { LpSolver } from "../pipeline/optimize/solver.ts";
import type { RiskOptions } from "../pipeline/riskGate/riskGate.ts";
import { runTick } from "../pipeline/runTick.ts";
import type { Forecaster } from "../ports/forecaster.ts";
import { equalPolicy, greedyPolicy, oraclePolicy, type Policy, staticMvoPolicy } from "./baselines.ts";
import type { BacktestConfig } from "./config.ts";
import { datasetHistoryStore } from "./history.ts";
import { memoryJournal } from "./journal.ts";
import { keelStages } from "./keel.ts";
import { type AppliedRebalance, SimMarket } from "./market.ts";
import { DatasetPrices } from "./prices.ts";

/** Strategies the backtester knows. */
export const STRATEGIES = ["keel", "equal", "greedy", "static-mvo", "oracle"] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** One strategy's replay. */
export interface StrategyRun {
  readonly name: StrategyName;
  /**
   * Net value (vault assets less gas) at each step, after that step's decision: in whole base-asset
   * units (the vault's own measure, used for the metrics) and in USD.
   */
  readonly equity: { t: number; value: number; valueUsd: number }[];
  /** Weights per source at each step, after the decision. */
  readonly allocations: { t: number; weights: Record<string, number> }[];
  readonly rebalances: AppliedRebalance[];
  /** Decision records (keel only), in order. */
  readonly decisions: DecisionRecord[];
}

/** Inputs of a backtest run. */
export interface BacktestOptions {
  readonly start: number;
  readonly end: number;
  readonly stepSeconds: number;
  readonly capitalUsd: number;
  readonly strategies: readonly StrategyName[];
  readonly config: BacktestConfig;
  readonly risk: RiskOptions;
  readonly configHash: string;
}

/** Ports and data of a backtest run. */
export interface BacktestDeps {
  readonly data: Dataset;
  readonly pools: readonly PoolInfo[];
  readonly baseline: Forecaster;
  readonly model?: Forecaster;
  readonly solver?: LpSolver;
  readonly onStep?: (strategy: StrategyName, step: number, steps: number) => void;
}

/** The time steps [start, end] at the given spacing. */
export function timeSteps(start: number, end: number, step: number): number[] {
  const out: number[] = [];
  for (let t = start; t <= end; t += step) out.push(t);
  return out;
}

function newMarket(o: BacktestOptions, deps: BacktestDeps, prices: DatasetPrices): SimMarket {
  const c = o.config;
  const basePrice = prices.token(c.baseAsset, o.start) ?? 1;
  const capitalUnits =
    BigInt(Math.round((o.capitalUsd / basePrice) * 10 ** Math.min(c.decimals, 6))) *
    10n ** BigInt(Math.max(c.decimals - 6, 0));
  const market = new SimMarket(deps.data, deps.pools, prices, {
    baseAsset: c.baseAsset,
    decimals: c.decimals,
    capitalUnits,
    maxRateAgeSeconds: c.maxRateAgeSeconds,
    slippageBps: c.strategy.slippageBps,
    priorityFeeGwei: c.priorityFeeGwei,
  });
  market.t = o.start;
  return market;
}

/** Replays one strategy over the period; the same cost model applies to every strategy. */
export async function runStrategy(
  name: StrategyName,
  o: BacktestOptions,
  deps: BacktestDeps,
  signal: AbortSignal,
  onPegReads?: (reads: ReadonlyMap<string, number>) => void,
): Promise<StrategyRun> {
  const c = o.config;
  const s = c.strategy;
  const prices = new DatasetPrices(deps.data, c.stablecoins, c.maxRateAgeSeconds);
  const market = newMarket(o, deps, prices);
  const steps = timeSteps(o.start, o.end, o.stepSeconds);
  const run: StrategyRun = { name, equity: [], allocations: [], rebalances: market.rebalances, decisions: [] };
  const minIdleWeight = s.minIdleBps / 10_000;
  const kindOf = (id: string) => {
    const k = deps.pools.find((p) => p.poolId === id)?.kind;
    return k === "lp" ? "lp" : k === "vault" ? "vault" : "lending";
  };

  let tick: ((i: number) => Promise<void>) | undefined;
  if (name === "keel") {
    const history = datasetHistoryStore(
      deps.data,
      deps.pools.map((p) => p.poolId),
      {
        incidentLookbackSeconds: 365 * 86_400,
        priceSymbols: [
          ...new Set([c.baseAsset, "ETH", ...deps.pools.flatMap((p) => p.asset.toUpperCase().split("/"))]),
        ],
      },
    );
    const journal = memoryJournal();
    const { stages, clock } = keelStages(
      { strategy: s, risk: o.risk, decimals: c.decimals, lookbackSeconds: c.lookbackDays * 86_400 },
      {
        market,
        history,
        baseline: deps.baseline,
        ...(deps.model ? { model: deps.model } : {}),
        ...(deps.solver ? { solver: deps.solver } : {}),
      },
    );
    tick = async (i) => {
      const id = `keel-${i}`;
      try {
        run.decisions.push(
          await runTick(
            { id, trigger: "backtest", configHash: o.configHash, chainId: 1 },
            { stages, journal, clock },
            signal,
          ),
        );
      } catch (err) {
        // As live: a failed tick is journaled (outcome `failed`) and the next tick runs.
        signal.throwIfAborted();
        const rec = await journal.get(id);
        if (!rec) throw err;
        run.decisions.push(rec);
      }
    };
  } else {
    const base = {
      minIdleWeight,
      maxWeight: s.maxWeightPerSourceBps / 10_000,
      horizonDays: s.horizonDays,
      riskAversion: s.riskAversion,
    };
    const policy: Policy =
      name === "equal"
        ? equalPolicy({ ...base, rebalanceDays: c.equalRebalanceDays })
        : name === "greedy"
          ? greedyPolicy({ ...base, rebalanceDays: c.greedyRebalanceDays, trailingDays: c.greedyTrailingDays })
          : name === "static-mvo"
            ? staticMvoPolicy({
                ...base,
                rebalanceDays: c.staticMvoRebalanceDays,
                fitDays: 180,
                ...(deps.solver ? { solver: deps.solver } : {}),
              })
            : oraclePolicy({
                ...base,
                rebalanceDays: s.horizonDays,
                costUsd: (target) => {
                  const w = market.weights();
                  const total = market.netValueUsd();
                  let cost = 0;
                  const legs: { sourceId: string; direction: "deposit" | "withdraw" }[] = [];
                  for (const p of deps.pools) {
                    const d = (target[p.poolId] ?? 0) - (w[p.poolId] ?? 0);
                    if (Math.abs(d) * total < s.minMoveUnits) continue;
                    cost += (Math.abs(d) * total * s.slippageBps[kindOf(p.poolId)]) / 10_000;
                    legs.push({ sourceId: p.poolId, direction: d > 0 ? "deposit" : "withdraw" });
                  }
                  const gas = Number(modelGasUnits(legs, kindOf, s.gasModel));
                  return cost + gas * (prices.gasGwei(market.t) ?? 30) * 1e-9 * (prices.eth(market.t) ?? 2_000);
                },
              });
    tick = async (i) => {
      const snapshot = await market.observe();
      const day = Math.floor((market.t - o.start) / 86_400);
      const target = await policy.decide({ t: market.t, day, snapshot, market }, signal);
      if (!target) return;
      const ids = snapshot.sources.map((x) => x.id);
      const plan = movesFromWeights(
        snapshot,
        ids,
        ids.map((id) => target[id] ?? 0),
        {
          decimals: c.decimals,
          minMoveUnits: s.minMoveUnits,
          minIdleWeight,
        },
      );
      if (plan.moves.length > 0) market.apply(plan.moves, modelGasUnits(plan.moves, kindOf, s.gasModel));
      void i;
    };
  }

  for (let i = 0; i < steps.length; i++) {
    signal.throwIfAborted();
    market.t = steps[i] as number;
    await tick(i);
    run.equity.push({ t: market.t, value: market.netValue(), valueUsd: market.netValueUsd() });
    run.allocations.push({ t: market.t, weights: market.weights() });
    deps.onStep?.(name, i + 1, steps.length);
    if (i < steps.length - 1) market.advance(o.stepSeconds);
  }
  // Accrue the last step too, so the period is [start, end + step).
  market.advance(o.stepSeconds);
  run.equity.push({ t: market.t, value: market.netValue(), valueUsd: market.netValueUsd() });
  onPegReads?.(prices.pegReads);
  return run;
}
