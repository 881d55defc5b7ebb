// Rollouts of the policy in the backtest's environment: the worlds it trains in (a universe's decision times and
// its forecasts), sampled training episodes, and the idle-start evaluation against the rule optimizer.

import type { AllocationPolicy } from "../ports/policy.ts";
import { type EnvDeps, type ForecastPath, forecastPath, runEpisode, type Universe } from "./env.ts";
import type { recordingAgent, Transition } from "./ppo.ts";
import type { PolicyTrainDeps, PolicyTrainOptions } from "./train.ts";

const DAY = 86_400;

/** A unix time in seconds as an ISO date-time. */
export function iso(t: number): string {
  return new Date(t * 1000).toISOString();
}

/** Daily decision times from when at least two of the universe's pools have a week of data, to the cut-off. */
export function decisionTimes(env: EnvDeps, u: Universe, from: number, cutoff: number, step: number): number[] {
  const firsts = u.pools
    .map((p) => env.data.rates.get(p.poolId)?.[0]?.t)
    .filter((t): t is number => t !== undefined)
    .sort((a, b) => a - b);
  const second = firsts[Math.min(1, firsts.length - 1)];
  if (second === undefined) return [];
  const begin = Math.max(from, Math.ceil((second + 7 * DAY) / DAY) * DAY);
  const out: number[] = [];
  for (let t = begin; t + step <= cutoff; t += step) out.push(t);
  return out;
}

/** Random starting weights within the weight cap, summing to at most 1 − idle. */
function randomWeights(n: number, cap: number, invested: number, random: () => number): number[] {
  const raw = Array.from({ length: n }, () => -Math.log(Math.max(random(), 1e-9)));
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((x) => Math.min(cap, (x / sum) * invested));
}

/** Transitions of one episode: each decision earns the rewards until the next one. */
function assign(agentTs: Transition[], rewards: readonly number[], acted: readonly boolean[]): Transition[] {
  let k = -1;
  rewards.forEach((r, i) => {
    if (acted[i]) k++;
    if (k >= 0 && agentTs[k]) agentTs[k]!.reward += r;
  });
  return agentTs;
}

/** A universe to train in: its decision times and the forecasts at each. */
export type World = { u: Universe; times: number[]; forecasts: ForecastPath };

/** Excess return (bps a year) and rebalances of one idle-start episode per universe over its last `days`. */
export async function evaluate(
  env: EnvDeps,
  worlds: readonly World[],
  policy: AllocationPolicy | undefined,
  days: number,
  stepSeconds: number,
): Promise<Record<string, { excessBpsPerYear: number; rebalances: number }>> {
  const out: Record<string, { excessBpsPerYear: number; rebalances: number }> = {};
  for (const w of worlds) {
    const steps = Math.min(days, w.times.length);
    const start = w.times[w.times.length - steps]!;
    const r = await runEpisode(env, { universe: w.u, start, steps, stepSeconds, capitalUsd: 1e6 }, policy, w.forecasts);
    const perYear = (365 * DAY) / (steps * stepSeconds);
    out[w.u.name] = {
      excessBpsPerYear: Math.round(r.rewards.reduce((a, b) => a + b, 0) * perYear * 10) / 10,
      rebalances: r.rebalances,
    };
  }
  return out;
}

/** The mean excess return (bps a year) over the universes of an evaluation. */
export const meanExcess = (e: Record<string, { excessBpsPerYear: number }>) => {
  const xs = Object.values(e).map((x) => x.excessBpsPerYear);
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
};

/** The universes with enough decisions before the cut-off, their forecasts computed once (or loaded from the cache). */
export async function loadWorlds(deps: PolicyTrainDeps, opts: PolicyTrainOptions, cutoff: number): Promise<World[]> {
  const { log, env } = deps;
  const worlds: World[] = [];
  for (const u of deps.universes) {
    const times = decisionTimes(env, u, opts.startDay, cutoff, opts.stepSeconds);
    if (times.length <= opts.episodeDays) continue;
    let forecasts = deps.cache?.load(u);
    if (!forecasts) {
      const t0 = performance.now();
      forecasts = await forecastPath(env, u, times);
      deps.cache?.save(u, forecasts);
      log(`${u.name}: ${forecasts.size} forecasts in ${((performance.now() - t0) / 1000).toFixed(0)}s`);
    }
    worlds.push({ u, times, forecasts });
    log(`${u.name}: ${u.pools.map((p) => p.poolId).join(", ")}; decisions ${iso(times[0]!)} .. ${iso(times.at(-1)!)}`);
  }
  return worlds;
}

/**
 * One iteration's training episodes: each in a random world from a random start, with a capital drawn log-uniformly
 * and, for a share of them, random starting weights. Returns their transitions, mean excess and rebalances summed.
 */
export async function sampleEpisodes(
  env: EnvDeps,
  worlds: readonly World[],
  newAgent: () => ReturnType<typeof recordingAgent>,
  opts: PolicyTrainOptions,
  random: () => number,
): Promise<{ episodes: Transition[][]; excess: number; rebalances: number }> {
  const maxWeight = env.config.strategy.maxWeightPerSourceBps / 10_000;
  const invested = 1 - env.config.strategy.minIdleBps / 10_000;
  const episodes: Transition[][] = [];
  let excess = 0;
  let rebalances = 0;
  for (let e = 0; e < opts.episodesPerIteration; e++) {
    const world = worlds[Math.floor(random() * worlds.length)]!;
    const start = world.times[Math.floor(random() * (world.times.length - opts.episodeDays))]!;
    const [lo, hi] = opts.capitalUsd;
    const capitalUsd = lo * (hi / lo) ** random();
    const n = world.u.pools.length;
    const initial = random() < opts.randomStartShare ? randomWeights(n, maxWeight, invested, random) : undefined;
    const agent = newAgent();
    const result = await runEpisode(
      env,
      {
        universe: world.u,
        start,
        steps: opts.episodeDays,
        stepSeconds: opts.stepSeconds,
        capitalUsd,
        ...(initial ? { initialWeights: initial } : {}),
      },
      agent,
      world.forecasts,
    );
    const ts = assign(agent.transitions, result.rewards, result.acted);
    if (ts.length > 0) episodes.push(ts);
    excess += (result.rewards.reduce((a, b) => a + b, 0) / opts.episodeDays) * ((365 * DAY) / opts.stepSeconds);
    rebalances += result.rebalances;
  }
  return { episodes, excess, rebalances };
}
