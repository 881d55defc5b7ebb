/**
 * Trains the PPO allocation policy in TF.js (wasm backend) in the backtest's environment (`env.ts`) on data
 * before the cut-off, and exports the actor to ONNX. Seeded: the same seed, data and options give the same
 * policy. Returns the ONNX bytes and the policy.json content; writing them is the caller's job.
 */
import type * as tfNs from "@tensorflow/tfjs";
import { seededRandom } from "../domain/random.ts";
import { POLICY_FEATURES } from "../pipeline/optimize/policyObservation.ts";
import type { EnvDeps, ForecastPath, Universe } from "./env.ts";
import { createPolicyVars, type PolicySpec, readActor } from "./policyNet.ts";
import { exportPolicyOnnx } from "./policyOnnx.ts";
import { advantages, type PpoUpdateOptions, ppoUpdate, recordingAgent, type Transition, values } from "./ppo.ts";
import { evaluate, iso, loadWorlds, meanExcess, sampleEpisodes } from "./rollouts.ts";

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

/** GAE advantages and returns of each episode's transitions, from the critic's values. */
function episodeAdvantages(
  tf: typeof tfNs,
  vars: ReturnType<typeof createPolicyVars>,
  episodes: readonly Transition[][],
  spec: PolicySpec,
  opts: PolicyTrainOptions,
): { adv: number[]; ret: number[] } {
  const all = episodes.flat();
  const v = values(tf, vars, all, spec.features);
  let off = 0;
  const perEpisode = episodes.map((ts) => {
    const slice = v.slice(off, off + ts.length);
    off += ts.length;
    return slice;
  });
  return advantages(
    perEpisode,
    episodes.map((ts) => ts.map((t) => t.reward)),
    opts.gamma,
    opts.lambda,
  );
}

/** Trains the policy and exports it. */
export async function trainPolicy(opts: PolicyTrainOptions, deps: PolicyTrainDeps): Promise<PolicyTrainResult> {
  const { tf, log, env } = deps;
  const started = performance.now();
  const cutoff = opts.endDay + DAY;
  const spec: PolicySpec = { features: POLICY_FEATURES.length, hidden: opts.hidden, valueHidden: opts.valueHidden };
  const worlds = await loadWorlds(deps, opts, cutoff);
  if (worlds.length === 0) throw new Error("no universe has enough data before the cut-off to train on");
  const rule = await evaluate(env, worlds, undefined, opts.evalDays, opts.stepSeconds);
  log(`rule optimizer over the last ${opts.evalDays} days: ${JSON.stringify(rule)}`);
  const random = seededRandom(opts.seed);
  const vars = createPolicyVars(tf, spec, opts.seed, { logStd: opts.initLogStd, idleScore: opts.initIdleScore });
  const optimizer = tf.train.adam(opts.learningRate);
  const curve: Record<string, number>[] = [];
  for (let it = 1; it <= opts.iterations; it++) {
    const t0 = performance.now();
    const w = readActor(vars);
    const logStd = vars.logStd.dataSync()[0]!;
    const recordingAgentOf = () => recordingAgent(w, spec, logStd, random);
    const { episodes, excess, rebalances } = await sampleEpisodes(env, worlds, recordingAgentOf, opts, random);
    const all = episodes.flat();
    if (all.length < 2) continue;
    const { adv, ret } = episodeAdvantages(tf, vars, episodes, spec, opts);
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
