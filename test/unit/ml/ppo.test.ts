import { expect } from "chai";
import { seededRandom } from "../../../src/domain/random.ts";
import { tfWasm } from "../../../src/ml/tfBackend.ts";
import { actorMean, createPolicyVars, gaussianLogProb, readActor } from "../../../src/rl/policyNet.ts";
import { advantages, padBatch, ppoUpdate, recordingAgent } from "../../../src/rl/ppo.ts";
import { defaultPolicyTrainOptions } from "../../../src/rl/train.ts";
import { tinyPolicySpec } from "./tinyPolicy.ts";

const F = tinyPolicySpec.features;
const signal = new AbortController().signal;
const obs = (n: number, k: number) => Float32Array.from({ length: n * F }, (_, i) => Math.cos(i * 0.3 + k));

describe("PPO", () => {
  it("GAE: one-step advantages are r + γV' − V, and the last value of a cut-off episode bootstraps itself", () => {
    const { adv, ret } = advantages([[1, 2, 3]], [[0.5, 0, -1]], 0.9, 0);
    expect(adv[0]).to.be.closeTo(0.5 + 0.9 * 2 - 1, 1e-12);
    expect(adv[1]).to.be.closeTo(0 + 0.9 * 3 - 2, 1e-12);
    expect(adv[2]).to.be.closeTo(-1 + 0.9 * 3 - 3, 1e-12);
    expect(ret[1]).to.be.closeTo(adv[1]! + 2, 1e-12);
    // λ = 1 sums the discounted deltas; episodes do not leak into each other.
    const two = advantages([[0, 0], [5]], [[1, 1], [0]], 0.5, 1);
    expect(two.adv[0]).to.be.closeTo(1 + 0.5 * 1, 1e-12);
    expect(two.adv[2]).to.be.closeTo(0 + 0.5 * 5 - 5, 1e-12);
  });

  it("the recorded log-probability of a sampled action is the TF.js Gaussian's, idle last whatever the source count", async () => {
    const tf = await tfWasm();
    const vars = createPolicyVars(tf, tinyPolicySpec, 9, { logStd: -0.7, idleScore: -2 });
    const agent = recordingAgent(readActor(vars), tinyPolicySpec, -0.7, seededRandom(1));
    for (const n of [1, 3, 2]) {
      const w = await agent.act(obs(n, n), n, signal);
      expect(w.length).to.equal(n + 1);
      expect(w.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-6);
    }
    const batch = padBatch(tf, agent.transitions, F);
    const logp = tf.tidy(() =>
      gaussianLogProb(tf, actorMean(tf, vars, batch), vars.logStd, batch.z, batch.mask).dataSync(),
    );
    agent.transitions.forEach((t, i) => {
      expect(logp[i]).to.be.closeTo(t.logp, 1e-3);
    });
    // Padding: the 1-source state keeps idle in the last of 4 slots.
    expect(Array.from(batch.mask.dataSync().slice(0, 4))).to.deep.equal([1, 0, 0, 1]);
    tf.dispose([
      batch.obs,
      batch.mask,
      batch.z,
      ...Object.values(vars.actor),
      vars.logStd,
      ...Object.values(vars.critic),
    ]);
  });

  it("an update raises the probability of an action with positive advantage", async () => {
    const tf = await tfWasm();
    const vars = createPolicyVars(tf, tinyPolicySpec, 2, { logStd: -0.5, idleScore: 0 });
    const agent = recordingAgent(readActor(vars), tinyPolicySpec, -0.5, seededRandom(3));
    for (let k = 0; k < 16; k++) await agent.act(obs(2, k), 2, signal);
    const ts = agent.transitions;
    // Reward the first source's share: actions that favoured it have positive advantage.
    const adv = ts.map((t) => t.z[0]! - t.z[1]!);
    const batch = padBatch(tf, ts, F);
    const before = tf.tidy(() =>
      gaussianLogProb(tf, actorMean(tf, vars, batch), vars.logStd, batch.z, batch.mask).dataSync(),
    );
    const optimizer = tf.train.adam(1e-2);
    ppoUpdate(
      tf,
      vars,
      optimizer,
      { ts, adv, ret: adv.map(() => 0) },
      tinyPolicySpec,
      { ...defaultPolicyTrainOptions, minibatch: 16 },
      seededRandom(4),
    );
    const after = tf.tidy(() =>
      gaussianLogProb(tf, actorMean(tf, vars, batch), vars.logStd, batch.z, batch.mask).dataSync(),
    );
    const mean = adv.reduce((a, b) => a + b, 0) / adv.length;
    const gain = ts.reduce((acc, _t, i) => acc + (adv[i]! - mean) * (after[i]! - before[i]!), 0);
    expect(gain).to.be.greaterThan(0);
    optimizer.dispose();
    tf.dispose([
      batch.obs,
      batch.mask,
      batch.z,
      ...Object.values(vars.actor),
      vars.logStd,
      ...Object.values(vars.critic),
    ]);
  });
});
