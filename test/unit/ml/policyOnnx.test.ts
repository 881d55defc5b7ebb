import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import pino from "pino";
import { loadOnnxPolicy } from "../../../src/adapters/onnx/onnxPolicy.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { POLICY_FEATURES } from "../../../src/pipeline/optimize/policyObservation.ts";
import { actorMean, actorScores, softmax } from "../../../src/rl/policyNet.ts";
import { buildPolicy } from "../../../src/runtime/policy.ts";
import { tinyPolicy, tinyPolicySpec, writePolicy } from "./tinyPolicy.ts";

const F = tinyPolicySpec.features;
const logger = pino({ level: "silent" });
const signal = new AbortController().signal;

/** A deterministic observation of `n` sources. */
function observation(n: number, phase: number): Float32Array {
  return Float32Array.from({ length: n * F }, (_, i) => Math.sin(i * 0.71 + phase) * 1.5 + (i % 3) * 0.2);
}

describe("PPO policy: ONNX export and serving", function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "keel-policy-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("the ONNX policy served by onnxruntime and the TF.js actor give the same weights to 1e-4", async () => {
    const p = await tinyPolicy();
    const policy = await loadOnnxPolicy(writePolicy(dir, p.onnx, p.meta));
    let compared = 0;
    for (const n of [1, 2, 5, 9]) {
      const obs = observation(n, n);
      const served = await policy.act(obs, n, signal);
      const mean = p.tf.tidy(() =>
        actorMean(p.tf, p.vars, { obs: p.tf.tensor3d(obs, [1, n, F]), mask: p.tf.ones([1, n + 1]) }).dataSync(),
      );
      const tfWeights = softmax(mean);
      const jsWeights = softmax(actorScores(p.actor, tinyPolicySpec, obs, n));
      expect(served.length).to.equal(n + 1);
      for (let i = 0; i <= n; i++) {
        expect(Math.abs(served[i]! - tfWeights[i]!)).to.be.lessThan(1e-4);
        expect(Math.abs(jsWeights[i]! - tfWeights[i]!)).to.be.lessThan(1e-4);
        compared++;
      }
      expect(served.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-5);
    }
    expect(compared).to.equal(21);
    // The weights depend on the observation (not a constant graph).
    const a = await policy.act(observation(3, 0), 3, signal);
    const b = await policy.act(observation(3, 2), 3, signal);
    expect(Math.max(...a.map((x, i) => Math.abs(x - b[i]!)))).to.be.greaterThan(1e-3);
  });

  it("the shipped policy loads (hash, features, input width) and was trained only on data before 2024-07-01", async () => {
    const shipped = fileURLToPath(new URL("../../../models/keel-ppo/policy.onnx", import.meta.url));
    const meta = JSON.parse(readFileSync(join(shipped, "..", "policy.json"), "utf8")) as {
      training: { dataBefore: string };
    };
    expect(meta.training.dataBefore).to.equal("2024-07-01T00:00:00.000Z");
    const policy = await loadOnnxPolicy(shipped);
    const full = POLICY_FEATURES.length;
    const n = 5;
    const obs = Float32Array.from({ length: n * full }, (_, i) => Math.sin(i * 0.37) * 0.5);
    const weights = await policy.act(obs, n, signal);
    expect(weights.length).to.equal(n + 1);
    expect(weights.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-5);
    for (const w of weights) expect(w).to.be.within(0, 1);
  });

  it("refuses a policy.onnx whose SHA-256 is not the one in policy.json", async () => {
    const p = await tinyPolicy();
    const path = writePolicy(dir, p.onnx, { ...p.meta, sha256: "0".repeat(64) });
    const err = await loadOnnxPolicy(path).catch((e: unknown) => e);
    expect((err as KeelError).code).to.equal("POLICY_HASH_MISMATCH");
  });

  it("refuses a policy trained on other features", async () => {
    const p = await tinyPolicy();
    const path = writePolicy(dir, p.onnx, { ...p.meta, features: ["p50_div10"] });
    const err = await loadOnnxPolicy(path).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal("POLICY_UNAVAILABLE");
  });

  it("serves only for optimizer `policy`, and a replay refuses a policy trained on data after its start", async () => {
    const p = await tinyPolicy(3, "2024-07-01T00:00:00.000Z");
    const path = writePolicy(dir, p.onnx, p.meta);
    expect((await buildPolicy({ optimizer: "rule", path }, { logger })).policy).to.equal(undefined);
    const live = await buildPolicy({ optimizer: "policy", path }, { logger });
    expect(live.policy?.hash).to.equal(p.meta.sha256);
    const july = Date.UTC(2024, 6, 1) / 1000;
    expect((await buildPolicy({ optimizer: "policy", path, notTrainedAfter: july }, { logger })).policy).to.not.equal(
      undefined,
    );
    const early = await buildPolicy({ optimizer: "policy", path, notTrainedAfter: july - 86_400 }, { logger });
    expect(early.policy).to.equal(undefined);
    expect(early.unavailableReason).to.match(/^MODEL_LOOKAHEAD/);
    const missing = await buildPolicy({ optimizer: "policy", path: join(dir, "nope.onnx") }, { logger });
    expect(missing.unavailableReason).to.include("not found");
    writeFileSync(join(dir, "policy.json"), "{");
    expect((await buildPolicy({ optimizer: "policy", path }, { logger })).unavailableReason).to.match(
      /POLICY_UNAVAILABLE|MODEL_LOOKAHEAD/,
    );
  });
});
