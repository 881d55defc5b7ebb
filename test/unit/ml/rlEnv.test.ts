import { expect } from "chai";
import pino from "pino";
import { knownView } from "../../../src/backtest/known.ts";
import { parseConfig } from "../../../src/config/load.ts";
import type { Dataset } from "../../../src/domain/dataset.ts";
import type { AllocationPolicy } from "../../../src/ports/policy.ts";
import { datasetBefore, type EnvDeps, forecastPath, runEpisode, type Universe } from "../../../src/rl/env.ts";
import { recordingAgent } from "../../../src/rl/ppo.ts";
import { buildForecasters } from "../../../src/runtime/forecasters.ts";
import { DAY, scriptedDataset, T0 } from "../../support/backtest.ts";
import { goldenDataset } from "../../support/goldenFixture.ts";
import { perturbedUnknownAt } from "../../support/lookahead.ts";
import { tinyPolicy, tinyPolicySpec } from "./tinyPolicy.ts";

const HOUR = 3_600;
const YEAR = 365 * DAY;

async function envOver(data: Dataset, config: Record<string, unknown> = {}): Promise<EnvDeps> {
  const parsed = parseConfig(
    {
      model: { path: "/nonexistent/keel-test/model.onnx", baseline: "persistence" },
      state: { historyDays: 60 },
      ...config,
    },
    "test",
  ).config;
  const forecasters = await buildForecasters(parsed.model, { logger: pino({ level: "silent" }) });
  return { data, known: knownView(data), config: parsed, forecasters };
}

const usdc = (data: Dataset): Universe => ({ name: "test", baseAsset: "USDC", decimals: 6, pools: data.pools });

/** A policy that always answers the same weights (sources then idle). */
function fixed(weights: number[]): AllocationPolicy {
  return { name: "policy", hash: "fixed", act: async () => Float32Array.from(weights) };
}

describe("PPO environment (the backtest's replay with the policy optimizing)", function () {
  this.timeout(60_000);

  it("charges the backtest's slippage and the day's gas when the policy moves, and nothing when it holds", async () => {
    const data = scriptedDataset({ days: 40, rates: { a: () => 2, b: () => 8 }, gasGwei: () => 25 });
    // The dataset's rates as paid: the vault's own impact on them is another test's subject.
    const env = await envOver(data, { backtest: { ownImpact: false } });
    const u = usdc(data);
    const start = T0 + 30 * DAY;
    const times = [start, start + DAY, start + 2 * DAY];
    const forecasts = await forecastPath(env, u, times);
    expect([...forecasts.keys()]).to.deep.equal(times);
    const r = await runEpisode(
      env,
      { universe: u, start, steps: 3, stepSeconds: DAY, capitalUsd: 1_000_000 },
      fixed([0.38, 0.6, 0.02]),
      forecasts,
    );
    expect(r.acted).to.deep.equal([true, true, true]);
    expect(r.rebalances).to.equal(1);
    // One rebalance of two deposits: (233 500 + 2 × 130 000) gas × 25 gwei × $2 000, in USDC at $1.
    const gas = 493_500 * 25e-9 * 2_000;
    expect(r.gasBase).to.be.closeTo(gas, 1e-6);
    // 1 bp of slippage on each deposit, then a day at 2 % and 8 % on what went in.
    const a = 380_000 * (1 - 1e-4);
    const b = 600_000 * (1 - 1e-4);
    const v1 = 20_000 + a * (1 + 0.02 / 365) + b * (1 + 0.08 / 365) - gas;
    expect(r.netValue[0]).to.be.closeTo(1_000_000, 1e-6);
    expect(r.netValue[1]).to.be.closeTo(v1, 0.01);
    const bench = (0.98 * 5 * DAY) / (100 * YEAR);
    expect(r.rewards[0]).to.be.closeTo(1e4 * (Math.log(v1 / 1_000_000) - Math.log1p(bench)), 1e-6);
    // Holding the same target moves nothing: no more gas, the reward is the excess yield alone.
    expect(r.netValue[2]! - r.netValue[1]!).to.be.closeTo(a * (0.02 / 365) + b * (0.08 / 365), 1);
    expect(r.rewards[1]).to.be.greaterThan(0);
  });

  it("starts from a given allocation without charging gas for it", async () => {
    const data = scriptedDataset({ days: 40, rates: { a: () => 2, b: () => 8 }, gasGwei: () => 25 });
    const env = await envOver(data);
    const u = usdc(data);
    const start = T0 + 30 * DAY;
    const forecasts = await forecastPath(env, u, [start]);
    const r = await runEpisode(
      env,
      { universe: u, start, steps: 1, stepSeconds: DAY, capitalUsd: 1_000_000, initialWeights: [0.38, 0.6] },
      fixed([0.38, 0.6, 0.02]),
      forecasts,
    );
    expect(r.rebalances).to.equal(0);
    expect(r.gasBase).to.equal(0);
  });

  it("never shows the policy data not known at t: observations up to t are unchanged when later data changes", async () => {
    const data = goldenDataset();
    const cutoff = T0 + 71 * DAY + 21 * HOUR;
    const start = T0 + 70 * DAY;
    const steps = 48;
    const times = Array.from({ length: steps }, (_v, i) => start + i * HOUR);
    const { actor } = await tinyPolicy(5);
    const observe = async (d: Dataset) => {
      const env = await envOver(d, { model: { path: "/nonexistent/m.onnx", baseline: "ema" } });
      const u = usdc(d);
      const agent = recordingAgent(actor, tinyPolicySpec, 0, () => 0.5, true);
      const r = await runEpisode(
        env,
        { universe: u, start, steps, stepSeconds: HOUR, capitalUsd: 20_000_000 },
        agent,
        await forecastPath(env, u, times),
      );
      const at = times.filter((_t, i) => r.acted[i]);
      return agent.transitions.map((x, k) => ({ t: at[k]!, obs: Array.from(x.obs), z: Array.from(x.z) }));
    };
    const [a, b] = [await observe(data), await observe(perturbedUnknownAt(data, cutoff))];
    const upTo = (xs: typeof a) => xs.filter((x) => x.t <= cutoff);
    expect(upTo(a).length).to.be.greaterThan(20);
    expect(upTo(b)).to.deep.equal(upTo(a));
    // The perturbation reaches the policy once it is known.
    const later = (xs: typeof a) => xs.filter((x) => x.t > cutoff);
    expect(later(b)).to.not.deep.equal(later(a));
  });

  it("training data is cut before the cut-off: no row at or after it", () => {
    const data = goldenDataset();
    const cutoff = T0 + 40 * DAY;
    const cut = datasetBefore(data, cutoff);
    const all = [...[...cut.rates.values()].flat(), ...[...cut.prices.values()].flat(), ...cut.gas, ...cut.incidents];
    expect(all.length).to.be.greaterThan(1000);
    expect(Math.max(...all.map((p) => p.t))).to.be.lessThan(cutoff);
    expect(cut.rates.get(data.pools[0]!.poolId)?.at(-1)?.t).to.equal(cutoff - HOUR);
  });
});
