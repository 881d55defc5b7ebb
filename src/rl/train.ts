/**
 * Trains the PPO allocation policy in TF.js (wasm backend) in the backtest's environment (`env.ts`) on data
 * before the cut-off, and exports the actor to ONNX. Seeded: the same seed, data and options give the same
 * policy. Returns the ONNX bytes and the policy.json content; writing them is the caller's job.
 */
import type * as tfNs from "@tensorflow/tfjs";
import { seededRandom } from "../domain/random.ts";
import { POLICY_FEATURES } from "../pipeline/optimize/policyObservation.ts";
import type { AllocationPolicy } from "../ports/policy.ts";
import { type EnvDeps, type ForecastPath, forecastPath, runEpisode, type Universe } from "./env.ts";
import { createPolicyVars, type PolicySpec, readActor } from "./policyNet.ts";
import { exportPolicyOnnx } from "./policyOnnx.ts";
import { advantages, type PpoUpdateOptions, ppoUpdate, recordingAgent, type Transition, values } from "./ppo.ts";

const DAY = 86_400;

/** Hyper-parameters; the defaults make the shipped policy. */
export interface PolicyTrainOptions extends PpoUpdateOptions {
  /** Last day whose data may be used (inclusive, unix s of its 00:00 UTC). */
  readonly endDay: number;
  /** First decision day considered (unix s). */
  readonly startDay: number;
  readonly seed: number;
  readonly iterations: number;
  readonly episodesPerIteration: number;
  readonly episodeDays: number;
  readonly stepSeconds: number;
  /** Capital of an episode, log-uniform in this range, USD. */
  readonly capitalUsd: readonly [number, number];
  /** Share of episodes that start from a random allocation (the rest start idle, as a backtest does). */
  readonly randomStartShare: number;
  readonly hidden: readonly [number, number];
  readonly valueHidden: number;
  readonly learningRate: number;
  readonly initLogStd: number;
  /** Idle's starting score: the first allocations keep about e^score / (sources + e^score) idle. */
  readonly initIdleScore: number;
  /** Every this many iterations (and at the end), the mean action is scored over the last `evalDays` of each universe. */
  readonly evalEvery: number;
  readonly evalDays: number;
}

export const defaultPolicyTrainOptions: Omit<PolicyTrainOptions, "endDay" | "seed"> = {
  startDay: Date.UTC(2021, 0, 1) / 1000,
  iterations: 150,
  episodesPerIteration: 48,
  episodeDays: 15,
  stepSeconds: DAY,
  capitalUsd: [3e5, 3e6],
  randomStartShare: 0.5,
  hidden: [32, 32],
  valueHidden: 32,
  learningRate: 1e-3,
  initLogStd: -1,
  initIdleScore: -3,
  evalEvery: 25,
  evalDays: 180,
  gamma: 0.97,
  lambda: 0.95,
  clip: 0.2,
  epochs: 4,
  minibatch: 128,
  valueCoef: 0.5,
  entropyCoef: 0.001,
  clipNorm: 1,
  logStdRange: [-3, 0.5],
};

/** Where forecast paths are kept between runs (they depend on data, config and forecaster, not the seed). */
export interface ForecastCache {
  load(u: Universe): ForecastPath | undefined;
  save(u: Universe, path: ForecastPath): void;
}

/** What training needs besides its options. */
export interface PolicyTrainDeps {
  readonly tf: typeof tfNs;
  readonly log: (message: string) => void;
  readonly env: EnvDeps;
  readonly universes: readonly Universe[];
  readonly cache?: ForecastCache;
}

/** The trained policy: ONNX bytes and the policy.json fields except the hash. */
export interface PolicyTrainResult {
  readonly onnx: Uint8Array;
  readonly meta: Record<string, unknown>;
}

function iso(t: number): string {
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

type World = { u: Universe; times: number[]; forecasts: ForecastPath };

/** Excess return (bps a year) and rebalances of one idle-start episode per universe over its last `days`. */
async function evaluate(
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

const meanExcess = (e: Record<string, { excessBpsPerYear: number }>) => {
  const xs = Object.values(e).map((x) => x.excessBpsPerYear);
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
};

/** Trains the policy and exports it. */
export async function trainPolicy(opts: PolicyTrainOptions, deps: PolicyTrainDeps): Promise<PolicyTrainResult> {
  const { tf, log, env } = deps;
  const started = performance.now();
  const cutoff = opts.endDay + DAY;
  const spec: PolicySpec = { features: POLICY_FEATURES.length, hidden: opts.hidden, valueHidden: opts.valueHidden };
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
  if (worlds.length === 0) throw new Error("no universe has enough data before the cut-off to train on");
  const rule = await evaluate(env, worlds, undefined, opts.evalDays, opts.stepSeconds);
  log(`rule optimizer over the last ${opts.evalDays} days: ${JSON.stringify(rule)}`);
  const random = seededRandom(opts.seed);
  const vars = createPolicyVars(tf, spec, opts.seed, { logStd: opts.initLogStd, idleScore: opts.initIdleScore });
  const optimizer = tf.train.adam(opts.learningRate);
  const maxWeight = env.config.strategy.maxWeightPerSourceBps / 10_000;
  const invested = 1 - env.config.strategy.minIdleBps / 10_000;
  const curve: Record<string, number>[] = [];
  for (let it = 1; it <= opts.iterations; it++) {
    const t0 = performance.now();
    const w = readActor(vars);
    const logStd = vars.logStd.dataSync()[0]!;
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
      const agent = recordingAgent(w, spec, logStd, random);
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
    const all = episodes.flat();
    if (all.length < 2) continue;
    const v = values(tf, vars, all, spec.features);
    let off = 0;
    const perEpisode = episodes.map((ts) => {
      const slice = v.slice(off, off + ts.length);
      off += ts.length;
      return slice;
    });
    const { adv, ret } = advantages(
      perEpisode,
      episodes.map((ts) => ts.map((t) => t.reward)),
      opts.gamma,
      opts.lambda,
    );
    const losses = ppoUpdate(tf, vars, optimizer, { ts: all, adv, ret }, spec, opts, random);
    const point: Record<string, number> = {
      iteration: it,
      excessBpsPerYear: excess / opts.episodesPerIteration,
      rebalancesPerEpisode: rebalances / opts.episodesPerIteration,
      logStd,
    };
    if (it % opts.evalEvery === 0 || it === opts.iterations) {
      const greedyActor = recordingAgent(readActor(vars), spec, 0, random, true);
      const e = await evaluate(env, worlds, greedyActor, opts.evalDays, opts.stepSeconds);
      Object.assign(point, { evalExcessBpsPerYear: meanExcess(e) });
      log(`policy (mean action) over the last ${opts.evalDays} days: ${JSON.stringify(e)}`);
    }
    curve.push(point);
    log(
      `iteration ${it}/${opts.iterations}: excess ${point.excessBpsPerYear!.toFixed(1)} bps/yr, ` +
        `${point.rebalancesPerEpisode!.toFixed(1)} rebalances/episode, ${all.length} decisions, log-std ${logStd.toFixed(2)}, ` +
        `policy ${losses.policyLoss.toFixed(4)} value ${losses.valueLoss.toFixed(4)} clip ${losses.clipFraction.toFixed(2)} ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)}s)`,
    );
  }
  const actor = readActor(vars);
  const finalLogStd = vars.logStd.dataSync()[0]!;
  optimizer.dispose();
  tf.dispose([...Object.values(vars.actor), vars.logStd, ...Object.values(vars.critic)]);
  const onnx = exportPolicyOnnx(spec, actor, `keel PPO allocation policy, data before ${iso(cutoff)}`);
  const meta = {
    format: "keel-ppo/1",
    features: [...POLICY_FEATURES],
    hidden: [...spec.hidden],
    valueHidden: spec.valueHidden,
    training: {
      dataBefore: iso(cutoff),
      seed: opts.seed,
      universes: worlds.map((x) => ({
        name: x.u.name,
        baseAsset: x.u.baseAsset,
        pools: x.u.pools.map((p) => p.poolId),
        from: iso(x.times[0]!),
        to: iso(x.times.at(-1)!),
      })),
      finalLogStd,
      seconds: Math.round((performance.now() - started) / 1000),
      hyperparameters: { ...opts, endDay: iso(opts.endDay), startDay: iso(opts.startDay) },
    },
    metrics: { curve, ruleOverEvalDays: rule },
  };
  return { onnx, meta };
}
