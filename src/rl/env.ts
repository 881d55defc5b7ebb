/**
 * The PPO policy's environment: the backtest's own replay. A simulated vault over the dataset (decisions
 * read the known-at view, positions accrue the realised rates, every move pays the configured slippage and
 * the gas model at that day's gas price), driven by the daemon's stages through `runTick` with the policy
 * optimizing — so the policy's actions pass the risk gate's bounds, the keeper bounds and the gas check as
 * they do live. Forecasts are the daemon's predict stage's, computed once per decision time (they do not
 * depend on the allocation). The caller hands in data cut at the training cut-off.
 */
import { keelHistory, keelOptions, newMarket, strategyConfig } from "../backtest/engine.ts";
import { memoryJournal } from "../backtest/journal.ts";
import { type Forecasters, keelStages } from "../backtest/keel.ts";
import { DatasetPrices } from "../backtest/prices.ts";
import type { KeelConfig } from "../config/schema.ts";
import { type Dataset, type PoolInfo, timeWeightedMean } from "../domain/dataset.ts";
import type { Forecast } from "../domain/decision.ts";
import { KeelError } from "../domain/errors.ts";
import { reason } from "../domain/reasons.ts";
import { movesFromWeights } from "../pipeline/optimize/plan.ts";
import { runTick } from "../pipeline/runTick.ts";
import { halt, ok } from "../pipeline/stage.ts";
import type { AllocationPolicy } from "../ports/policy.ts";

const YEAR = 365 * 86_400;

/** A vault the policy allocates for: its base asset and the pools it can hold. */
export interface Universe {
  readonly name: string;
  readonly baseAsset: string;
  readonly decimals: number;
  readonly pools: readonly PoolInfo[];
}

/** The data and config the environment replays. */
export interface EnvDeps {
  /** The dataset as it happened, cut at the training cut-off. */
  readonly data: Dataset;
  /** The same, stamped with when each row is known (`knownView`). */
  readonly known: Dataset;
  /** The daemon's config: stage options, costs, caps (its `backtest` section's base asset is the universe's). */
  readonly config: KeelConfig;
  readonly forecasters: Forecasters;
}

/**
 * The dataset with only rows stamped before `cutoff`: training may use nothing at or after it (a daily bar
 * stamped the day before is kept — it summarises that day — and becomes known at the cut-off).
 */
export function datasetBefore(data: Dataset, cutoff: number): Dataset {
  const cut = <P extends { readonly t: number }>(series: readonly P[]) => series.filter((p) => p.t < cutoff);
  return {
    ...data,
    rates: new Map([...data.rates].map(([id, s]) => [id, cut(s)])),
    prices: new Map([...data.prices].map(([sym, s]) => [sym, cut(s)])),
    gas: cut(data.gas),
    incidents: cut(data.incidents),
  };
}

/** Decision time → the forecast the daemon's predict stage made then. */
export type ForecastPath = ReadonlyMap<number, Forecast>;

/** The config the environment runs for a universe: the daemon's, its vault's base asset, the policy optimizing. */
export function universeConfig(config: KeelConfig, u: Universe): KeelConfig {
  return strategyConfig("keel-rl", {
    ...config,
    backtest: { ...config.backtest, baseAsset: u.baseAsset, decimals: u.decimals },
  });
}

function replay(deps: EnvDeps, u: Universe, start: number, capitalUsd: number) {
  const cfg = universeConfig(deps.config, u);
  const bt = cfg.backtest;
  const prices = new DatasetPrices(deps.known, deps.data, bt.stablecoins, bt.maxRateAgeSeconds);
  const market = newMarket({ start, capitalUsd, config: cfg }, u.pools, prices);
  return { cfg, market, history: keelHistory(cfg, market, u.pools) };
}

/**
 * The daemon's forecasts at each of `times` (ascending): ingest and predict run in order over an empty
 * vault, as in a replay (the predict stage's drift check sees the same past). Times where ingest halts or
 * fails (stale data) have none.
 */
export async function forecastPath(deps: EnvDeps, u: Universe, times: readonly number[]): Promise<ForecastPath> {
  const out = new Map<number, Forecast>();
  if (times.length === 0) return out;
  const { cfg, market, history } = replay(deps, u, times[0]!, 1e6);
  const { stages } = await keelStages(keelOptions(cfg), { market, history, forecasters: deps.forecasters });
  const signal = new AbortController().signal;
  for (const t of times) {
    market.t = t;
    try {
      const observed = await stages.ingest.run(undefined, signal);
      if (observed.status !== "ok") continue;
      const f = await stages.predict.run(observed.value, signal);
      if (f.status === "ok") out.set(t, f.value);
    } catch (err) {
      if (err instanceof KeelError && err.code === "DATASET_ENDED") continue;
      throw err;
    }
  }
  return out;
}

/** One episode: where, when, how long, with how much. */
export interface EpisodeSpec {
  readonly universe: Universe;
  readonly start: number;
  readonly steps: number;
  readonly stepSeconds: number;
  readonly capitalUsd: number;
  /** Weights per pool (in `universe.pools` order) held at the start, placed without gas; idle when absent. */
  readonly initialWeights?: readonly number[];
}

/** What happened at each step of an episode. */
export interface EpisodeResult {
  /**
   * Excess log return of the step in basis points: the vault's net value (assets less gas) over the step,
   * less a benchmark that does not depend on the policy — the invested share (1 − idle buffer) earning the
   * mean realised rate of the pools live at the step. It lowers the reward's variance, not its optimum.
   */
  readonly rewards: number[];
  /** Whether the policy was asked at the step (the tick reached the optimize stage). */
  readonly acted: boolean[];
  /** Net value in base units after each step (the first entry is before the first step). */
  readonly netValue: number[];
  readonly rebalances: number;
  readonly gasBase: number;
}

/** Mean realised rate (%) over [t, t + dt) of the pools with data then. */
function meanRealisedRate(data: Dataset, pools: readonly PoolInfo[], t: number, dt: number): number {
  const rates: number[] = [];
  for (const p of pools) {
    const series = data.rates.get(p.poolId) ?? [];
    if (series.length === 0 || series[0]!.t > t) continue;
    rates.push(timeWeightedMean(series, t, t + dt));
  }
  return rates.length > 0 ? rates.reduce((a, b) => a + b, 0) / rates.length : 0;
}

/**
 * Runs one episode: at each step the daemon's stages decide (the policy proposes in optimize; the risk
 * gate, keeper bounds and gas check decide whether and how much it moves), the vault accrues to the next
 * step, and the step's reward is recorded. Without a policy the rule optimizer decides (a reference).
 */
export async function runEpisode(
  deps: EnvDeps,
  spec: EpisodeSpec,
  policy: AllocationPolicy | undefined,
  forecasts: ForecastPath,
): Promise<EpisodeResult> {
  const { universe: u, stepSeconds: dt } = spec;
  const { cfg, market, history } = replay(deps, u, spec.start, spec.capitalUsd);
  const minIdle = cfg.strategy.minIdleBps / 10_000;
  if (spec.initialWeights) {
    const snapshot = await market.observe();
    const opts = { decimals: u.decimals, minMoveUnits: 0, minIdleWeight: minIdle };
    const placed = movesFromWeights(
      snapshot,
      u.pools.map((p) => p.poolId),
      [...spec.initialWeights],
      opts,
    );
    market.apply(placed.moves, 0n);
    // The starting position is given, not a rebalance the keeper made.
    market.rebalances.length = 0;
  }
  let acted = false;
  const counted: AllocationPolicy | undefined = policy && {
    name: policy.name,
    hash: policy.hash,
    act: (obs, n, signal) => {
      acted = true;
      return policy.act(obs, n, signal);
    },
  };
  const built = await keelStages(keelOptions(cfg), {
    market,
    history,
    forecasters: deps.forecasters,
    policy: { policy: counted },
  });
  const stages = {
    ...built.stages,
    predict: {
      async run(input: { snapshot: { timestamp: number } }) {
        const f = forecasts.get(input.snapshot.timestamp);
        return f
          ? ok(f, `${f.forecaster} forecast (precomputed)`)
          : halt<Forecast>([reason("NO_FORECAST", "no forecast at this time", { severity: "halt" })]);
      },
    },
  };
  const journal = memoryJournal();
  const signal = new AbortController().signal;
  const rewards: number[] = [];
  const actedAt: boolean[] = [];
  const netValue = [market.netValue()];
  for (let i = 0; i < spec.steps; i++) {
    market.t = spec.start + i * dt;
    const v0 = market.netValue();
    acted = false;
    try {
      await runTick(
        { id: `rl-${i}`, trigger: "backtest", configHash: "training", chainId: cfg.chain.chainId },
        { stages, journal, clock: built.clock },
        signal,
      );
    } catch (err) {
      // As in a replay, a failed tick is journaled and the next one runs — unless the data ended.
      if (err instanceof KeelError && err.code === "DATASET_ENDED") throw err;
    }
    await built.settle();
    const bench = ((1 - minIdle) * meanRealisedRate(market.realised, u.pools, market.t, dt) * dt) / (100 * YEAR);
    market.advance(dt);
    const v1 = market.netValue();
    rewards.push(1e4 * (Math.log(v1 / v0) - Math.log1p(bench)));
    actedAt.push(acted);
    netValue.push(v1);
  }
  return { rewards, acted: actedAt, netValue, rebalances: market.rebalances.length, gasBase: market.gasBase };
}
