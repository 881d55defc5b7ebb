import { backtestExecutionOptions } from "../composition/executionOptions.ts";
import { type StageOptions, stageOptions } from "../composition/stageOptions.ts";
import type { KeelConfig } from "../config/schema.ts";
import type { Dataset, PoolInfo } from "../domain/dataset.ts";
import type { DecisionRecord } from "../domain/decision.ts";
import { KeelError } from "../domain/errors.ts";
import { irmOf } from "../pipeline/optimize/impact.ts";
import type { LpSolver } from "../pipeline/optimize/solver.ts";
import { runTick } from "../pipeline/runTick.ts";
import type { HistoryStore } from "../ports/market.ts";
import type { PolicyChoice } from "../runtime/policy.ts";
import { replayConfig } from "./config.ts";
import { datasetHistoryStore } from "./history.ts";
import { memoryJournal } from "./journal.ts";
import { type Forecasters, type KeelOptions, keelStages } from "./keel.ts";
import { knownView } from "./known.ts";
import { type AppliedRebalance, SimMarket } from "./market.ts";
import { DatasetPrices } from "./prices.ts";
import { policyTick } from "./referenceTick.ts";
import { SIM_ALLOCATOR } from "./simChain.ts";

/** Strategies the backtester knows. */
export const STRATEGIES = ["keel", "keel-rl", "equal", "greedy", "topk", "static-mvo", "oracle"] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** The strategies that run the daemon's stages: keel as configured, and keel with the learned policy optimizing. */
export type KeelStrategy = Extract<StrategyName, "keel" | "keel-rl">;

/** Whether a strategy runs the daemon's stages (`keel`, `keel-rl`) rather than a reference rule. */
export function isKeel(name: StrategyName): name is KeelStrategy {
  return name === "keel" || name === "keel-rl";
}

/**
 * The config a keel strategy runs: `keel` the config as it is, `keel-rl` the same with
 * `strategy.optimizer: policy` (the PPO policy at `strategy.policyPath`).
 */
export function strategyConfig(name: KeelStrategy, config: KeelConfig): KeelConfig {
  return name === "keel-rl" ? { ...config, strategy: { ...config.strategy, optimizer: "policy" } } : config;
}

/** One strategy's replay. */
export interface StrategyRun {
  readonly name: StrategyName;
  /**
   * Net value (vault assets less gas) at each step, after that step's decision: in whole base-asset
   * units (the vault's own measure, used for the metrics) and in USD.
   */
  readonly equity: { t: number; value: number; valueUsd: number }[];
  /** Net value at the start, before the first decision (the capital): what the first moves' costs come out of. */
  readonly initial: { value: number; valueUsd: number };
  /** Weights per source at each step, after the decision. */
  readonly allocations: { t: number; weights: Record<string, number> }[];
  readonly rebalances: AppliedRebalance[];
  /** Decision records (keel and keel-rl only), in order. */
  readonly decisions: DecisionRecord[];
}

/** Inputs of a backtest run. */
export interface BacktestOptions {
  readonly start: number;
  readonly end: number;
  readonly stepSeconds: number;
  readonly capitalUsd: number;
  readonly strategies: readonly StrategyName[];
  /** The daemon's config (its `backtest` section describes the replayed vault). */
  readonly config: KeelConfig;
  readonly configHash: string;
}

/** Ports and data of a backtest run. */
export interface BacktestDeps {
  /** The dataset as it happened. */
  readonly data: Dataset;
  /** The same, stamped with when each row is known (`knownView`); derived from `data` when absent. */
  readonly known?: Dataset;
  readonly pools: readonly PoolInfo[];
  /** keel's forecasters (the reference strategies need none). */
  readonly forecasters?: Forecasters;
  /** The learned policy (`buildPolicy` for the keel strategy's config), when it optimizes. */
  readonly policy?: PolicyChoice;
  readonly solver?: LpSolver;
  /** Every allocation through the LP solver, no closed form: the reference path (results are the same). */
  readonly reference?: boolean;
  readonly onStep?: (strategy: StrategyName, step: number, steps: number) => void;
}

/** The time steps [start, end] at the given spacing. */
export function timeSteps(start: number, end: number, step: number): number[] {
  const out: number[] = [];
  for (let t = start; t <= end; t += step) out.push(t);
  return out;
}

/** The stage options of the replayed keeper: the daemon's (`stageOptions`) for the replay's config. */
export function backtestStageOptions(config: KeelConfig): StageOptions {
  const bt = config.backtest;
  return stageOptions(replayConfig(config), { baseAsset: { symbol: bt.baseAsset, decimals: bt.decimals } });
}

/** The replayed keeper's options: its stage options (`backtestStageOptions`) and the daemon's execution options, direct. */
export function keelOptions(config: KeelConfig): KeelOptions {
  return { stages: backtestStageOptions(config), execution: backtestExecutionOptions(config, SIM_ALLOCATOR) };
}

/** The simulated vault of a replay: `o.capitalUsd` idle at `o.start`, the config's costs. */
export function newMarket(
  o: Pick<BacktestOptions, "start" | "capitalUsd" | "config">,
  pools: readonly PoolInfo[],
  prices: DatasetPrices,
): SimMarket {
  const c = o.config;
  const bt = c.backtest;
  const basePrice = prices.token(bt.baseAsset, o.start) ?? 1;
  const capitalUnits =
    BigInt(Math.round((o.capitalUsd / basePrice) * 10 ** Math.min(bt.decimals, 6))) *
    10n ** BigInt(Math.max(bt.decimals - 6, 0));
  const market = new SimMarket(pools, prices, {
    chainId: c.chain.chainId,
    baseAsset: bt.baseAsset,
    decimals: bt.decimals,
    capitalUnits,
    maxRateAgeSeconds: bt.maxRateAgeSeconds,
    slippageBps: c.strategy.slippageBps,
    priorityFeeGwei: bt.priorityFeeGwei,
    swapRoutes: Object.fromEntries(Object.entries(bt.swapRoutes).map(([k, v]) => [k.toUpperCase(), v])),
    ...(bt.ownImpact ? { irmOf: (id: string) => irmOf({ ...c.strategy.ownImpact, enabled: true }, id) } : {}),
  });
  market.t = o.start;
  return market;
}

/** One step of a strategy: decides (and acts) at the market's current time. */
export type Tick = (i: number) => Promise<void>;

/**
 * The history keel's ingest reads: the known dataset cut at each tick (rates, prices of the sources' tokens,
 * incidents), the rates since the replay started as the vault's snapshots showed them (with its own supply).
 */
export function keelHistory(c: KeelConfig, market: SimMarket, pools: readonly PoolInfo[]): HistoryStore {
  const byId = new Map(pools.map((p) => [p.poolId, p]));
  return datasetHistoryStore(
    market.data,
    pools.map((p) => p.poolId),
    {
      withOwnSupply: (id, row, usd) => market.withOwnSupply(byId.get(id)!, row, usd),
      incidentLookbackSeconds: 365 * 86_400,
      priceSymbols: [
        ...new Set([c.backtest.baseAsset, "ETH", ...pools.flatMap((p) => p.asset.toUpperCase().split("/"))]),
      ],
    },
  );
}

/**
 * keel (and keel-rl): the daemon's stages through `runTick`, journaling every decision as live; each tick's intent
 * is settled (final) on the simulated chain before the replay moves on.
 */
async function keelTick(
  name: KeelStrategy,
  o: BacktestOptions,
  deps: BacktestDeps,
  market: SimMarket,
  run: StrategyRun,
  signal: AbortSignal,
): Promise<Tick> {
  const c = strategyConfig(name, o.config);
  const history = keelHistory(c, market, deps.pools);
  const journal = memoryJournal();
  if (!deps.forecasters) throw new KeelError("BAD_INPUT", "the keel strategy needs its forecasters");
  const { stages, clock, settle } = await keelStages(keelOptions(c), {
    market,
    history,
    forecasters: deps.forecasters,
    ...(deps.solver ? { solver: deps.solver } : {}),
    closedForm: deps.reference !== true,
    ...(deps.policy ? { policy: deps.policy } : {}),
  });
  return async (i) => {
    const id = `${name}-${i}`;
    try {
      run.decisions.push(
        await runTick(
          { id, trigger: "backtest", configHash: o.configHash, chainId: c.chain.chainId },
          { stages, journal, clock },
          signal,
        ),
      );
    } catch (err) {
      // As live: a failed tick is journaled (outcome `failed`) and the next tick runs — unless the data ended.
      signal.throwIfAborted();
      const rec = await journal.get(id);
      if (!rec || (err instanceof KeelError && err.code === "DATASET_ENDED")) throw err;
      run.decisions.push(rec);
    }
    await settle();
  };
}

/** Replays one strategy over the period; the same cost model applies to every strategy. */
export async function runStrategy(
  name: StrategyName,
  o: BacktestOptions,
  deps: BacktestDeps,
  signal: AbortSignal,
  onPegReads?: (reads: ReadonlyMap<string, number>) => void,
): Promise<StrategyRun> {
  const bt = o.config.backtest;
  const prices = new DatasetPrices(deps.known ?? knownView(deps.data), deps.data, bt.stablecoins, bt.maxRateAgeSeconds);
  const market = newMarket(o, deps.pools, prices);
  const steps = timeSteps(o.start, o.end, o.stepSeconds);
  const run: StrategyRun = {
    name,
    equity: [],
    initial: { value: market.netValue(), valueUsd: market.netValueUsd() },
    allocations: [],
    rebalances: market.rebalances,
    decisions: [],
  };
  const tick = isKeel(name)
    ? await keelTick(name, o, deps, market, run, signal)
    : policyTick(name, o, deps, market, signal);
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
  // A swap leg's token valued at a price older than the freshness limit is counted beside the peg reads.
  const stale = [...prices.staleReads].map(([s, n]) => [`${s} (last known price)`, n] as const);
  onPegReads?.(new Map([...prices.pegReads, ...stale]));
  return run;
}
