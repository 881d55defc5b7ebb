import { expect } from "chai";
import { createOptimizer } from "../../../src/composition/optimizer.ts";
import { stageOptions } from "../../../src/composition/stageOptions.ts";
import { parseConfig } from "../../../src/config/load.ts";
import type { Plan } from "../../../src/domain/decision.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { createGasCheckStage } from "../../../src/pipeline/gasCheck/gasCheck.ts";
import { createModelGasEstimator } from "../../../src/pipeline/gasCheck/gasModel.ts";
import { createOptimizeStage } from "../../../src/pipeline/optimize/optimize.ts";
import { createPolicyOptimizeStage, projectOntoBounds } from "../../../src/pipeline/optimize/policy.ts";
import { POLICY_FEATURES } from "../../../src/pipeline/optimize/policyObservation.ts";
import type { AllocationProblem } from "../../../src/pipeline/optimize/problem.ts";
import type { StageResult } from "../../../src/pipeline/stage.ts";
import type { AllocationPolicy } from "../../../src/ports/policy.ts";
import {
  forecast,
  optimizeInput,
  optimizeOptions,
  snapshot,
  source,
  UNIT,
  verdict,
} from "../../support/optimizeFixtures.ts";

const signal = new AbortController().signal;

/** A policy that always answers `weights` (sources then idle) and remembers what it was shown. */
function fixedPolicy(weights: number[]): AllocationPolicy & { seen: { obs: Float32Array; n: number }[] } {
  const seen: { obs: Float32Array; n: number }[] = [];
  return {
    name: "policy",
    hash: "f".repeat(64),
    seen,
    async act(obs, n) {
      seen.push({ obs, n });
      return Float32Array.from(weights);
    },
  };
}

function planOf(r: StageResult<Plan>): Plan {
  if (r.status !== "ok") throw new Error(`expected a plan, got halt: ${r.summary}`);
  return r.value;
}

const codes = (r: StageResult<Plan>) => (r.reasons ?? []).map((x) => x.code);
const opts = optimizeOptions();
const rule = createOptimizeStage(opts);
const policyStage = (policy: AllocationPolicy | undefined, unavailableReason?: string) =>
  createPolicyOptimizeStage(opts, { policy, rule, ...(unavailableReason ? { unavailableReason } : {}) });

function problem(over: Partial<AllocationProblem>): AllocationProblem {
  return {
    ids: ["a", "b", "c"],
    kinds: ["lending", "lending", "lending"],
    current: [0, 0, 0],
    lower: [0, 0, 0],
    upper: [0.6, 0.6, 0.6],
    maxInvested: 0.98,
    mu: [0, 0, 0],
    scenarios: [],
    costIn: [0, 0, 0],
    costOut: [0, 0, 0],
    fixedCost: [0, 0, 0],
    baseFixedCost: 0,
    riskAversion: 0,
    alpha: 0.95,
    objective: "cvar",
    milp: false,
    ...over,
  };
}

describe("projecting the policy's weights onto the bounds", () => {
  it("clips each source to its cap and keeps the cut weight idle", () => {
    const p = projectOntoBounds([0.9, 0.05, 0.0], problem({}));
    expect(p.weights[0]).to.be.closeTo(0.6, 1e-12);
    expect(p.weights[1]).to.be.closeTo(0.05, 1e-12);
    expect(p.clipped).to.deep.equal(["a"]);
    expect(p.clippedWeight).to.be.closeTo(0.3, 1e-12);
  });

  it("scales the part above the lower bounds down to the budget left by the idle buffer", () => {
    const p = projectOntoBounds([0.5, 0.5, 0], problem({ lower: [0.2, 0, 0], maxInvested: 0.8 }));
    expect(p.weights.reduce((a, b) => a + b, 0)).to.be.closeTo(0.8, 1e-12);
    // 0.2 stays (it cannot leave); the 0.8 above the floors shares the remaining 0.6 pro rata.
    expect(p.weights[0]).to.be.closeTo(0.2 + 0.3 * 0.75, 1e-12);
    expect(p.weights[1]).to.be.closeTo(0.5 * 0.75, 1e-12);
  });

  it("raises a source to what cannot leave it (lower bound) and empties a forced exit (upper 0)", () => {
    const p = projectOntoBounds([0, 0.5, 0.4], problem({ lower: [0.1, 0, 0], upper: [0.6, 0.6, 0] }));
    expect(p.weights).to.deep.equal([0.1, 0.5, 0]);
    expect(p.clipped).to.deep.equal(["a", "c"]);
  });
});

describe("optimize stage with the learned policy", () => {
  const ids = ["low", "high"];
  const s = snapshot([source("low", 2, 900_000), source("high", 8, 0)], 100_000);
  const f = forecast({ low: 2, high: 8 });

  it("shows the policy one row of POLICY_FEATURES per source and turns its weights into moves", async () => {
    const policy = fixedPolicy([0.1, 0.88, 0.02]);
    const r = await policyStage(policy).run(optimizeInput(s, f, verdict(ids, 1)), signal);
    expect(policy.seen[0]?.n).to.equal(2);
    expect(policy.seen[0]?.obs.length).to.equal(2 * POLICY_FEATURES.length);
    const plan = planOf(r);
    // The stage's own weight cap (maxWeightPerSourceBps 60 %) holds even though the gate allows 100 %.
    expect(plan.targetWeights.high).to.be.closeTo(0.6, 1e-6);
    expect(plan.targetWeights.low).to.be.closeTo(0.1, 1e-6);
    expect(plan.moves[0]).to.include({ sourceId: "low", direction: "withdraw" });
    expect(plan.moves.at(-1)).to.include({ sourceId: "high", direction: "deposit" });
    expect(codes(r)).to.include("POLICY_CLIPPED");
    expect(r.summary).to.match(/via policy f{12}/);
  });

  it("cuts a proposal outside the risk gate's caps to the caps, frozen sources take nothing new", async () => {
    const policy = fixedPolicy([0.45, 0.55, 0]);
    const v = verdict(ids, 0.3, { frozen: ["high"] });
    const plan = planOf(await policyStage(policy).run(optimizeInput(s, f, v), signal));
    expect(plan.targetWeights.low).to.be.closeTo(0.3, 1e-6);
    expect(plan.targetWeights.high ?? 0).to.equal(0);
    expect(plan.moves.every((m) => m.sourceId !== "high")).to.equal(true);
  });

  it("stays inside the allocator's on-chain caps and per-rebalance move limit", async () => {
    const bounded = snapshot([source("low", 2, 900_000), source("high", 8, 0)], 100_000, {
      keeperBounds: {
        maxMoveBps: 2_000,
        maxLossBps: 50,
        minIdleBps: 200,
        cooldownSeconds: 0,
        maxRebalancesPerDay: 10,
        lastRebalanceAt: 0,
        rebalancesToday: 0,
        adapterCapBps: { low: 10_000, high: 4_000 },
      },
    });
    const r = await policyStage(fixedPolicy([0, 1, 0])).run(optimizeInput(bounded, f, verdict(ids, 1)), signal);
    const plan = planOf(r);
    const moved = plan.moves.reduce((a, m) => a + m.amount, 0n);
    expect(moved <= 200_000n * UNIT).to.equal(true);
    expect(plan.targetWeights.high).to.be.at.most(0.4);
    expect(codes(r)).to.include("MOVE_LIMIT");
  });

  it("exits a forced exit whatever the policy says, and marks the plan for approval", async () => {
    const held = snapshot([source("low", 2, 500_000), source("high", 8, 400_000)], 100_000);
    const v = verdict(ids, 0.6, { forcedExits: ["low"] });
    const plan = planOf(await policyStage(fixedPolicy([0.6, 0.38, 0.02])).run(optimizeInput(held, f, v), signal));
    expect(plan.targetWeights.low ?? 0).to.equal(0);
    expect(plan.moves[0]).to.include({ sourceId: "low", direction: "withdraw", amount: 500_000n * UNIT });
    expect(plan.needsApproval).to.equal(true);
  });

  it("halts with STAY when the policy's target is the current allocation", async () => {
    const held = snapshot([source("low", 2, 380_000), source("high", 8, 600_000)], 20_000);
    const r = await policyStage(fixedPolicy([0.38, 0.6, 0.02])).run(optimizeInput(held, f, verdict(ids)), signal);
    expect(r.status).to.equal("halt");
    expect(r.reasons?.map((x) => x.code)).to.include("STAY");
  });

  it("the gas check refuses a policy move whose pessimistic gain does not pay k × gas", async () => {
    // Two sources at the same rate: moving between them gains nothing.
    const flat = snapshot([source("a", 5, 600_000), source("b", 5, 380_000)], 20_000);
    const r = await policyStage(fixedPolicy([0.38, 0.6, 0.02])).run(
      optimizeInput(flat, forecast({ a: 5, b: 5 }), verdict(["a", "b"])),
      signal,
    );
    const plan = planOf(r);
    const gas = createGasCheckStage(
      { minGainToCostRatio: 3, maxGasPriceGwei: 200, cooldownSeconds: 0, maxRebalancesPerDay: 6 },
      { estimator: createModelGasEstimator(opts.gasModel), rebalanceTimes: async () => [] },
    );
    const verdictOfGas = await gas.run({ snapshot: flat, plan }, signal);
    expect(verdictOfGas.status).to.equal("halt");
    expect(verdictOfGas.reasons?.map((x) => x.code)).to.include("GAIN_BELOW_COST");
  });

  it("lets the rule serve, saying why, when the policy is missing, fails or answers nonsense", async () => {
    const input = optimizeInput(s, f, verdict(ids));
    const missing = await policyStage(undefined, "policy file x not found").run(input, signal);
    expect(codes(missing)[0]).to.equal("POLICY_UNAVAILABLE");
    expect(planOf(missing).targetWeights).to.deep.equal(planOf(await rule.run(input, signal)).targetWeights);
    const throwing: AllocationPolicy = {
      name: "policy",
      hash: "x",
      act: async () => {
        throw new KeelError("POLICY_RUN_FAILED", "boom");
      },
    };
    expect(codes(await policyStage(throwing).run(input, signal))[0]).to.equal("POLICY_FAILED");
    expect(codes(await policyStage(fixedPolicy([1, 0])).run(input, signal))[0]).to.equal("POLICY_FAILED");
    expect(codes(await policyStage(fixedPolicy([0.5, Number.NaN, 0.5])).run(input, signal))[0]).to.equal(
      "POLICY_FAILED",
    );
  });
});

describe("strategy.optimizer selects the optimizer", () => {
  const input = optimizeInput(
    snapshot([source("low", 2, 900_000), source("high", 8, 0)], 100_000),
    forecast({ low: 2, high: 8 }),
    verdict(["low", "high"]),
  );
  const options = (optimizer?: "rule" | "policy") =>
    stageOptions(parseConfig(optimizer ? { strategy: { optimizer } } : {}, "test").config, {
      baseAsset: { symbol: "USDC", decimals: 6 },
    });

  it("defaults to the rule, which never asks the policy", async () => {
    expect(options().optimizer.optimizer).to.equal("rule");
    const policy = fixedPolicy([0.5, 0.48, 0.02]);
    const r = await createOptimizer(options(), { policy }).run(input, signal);
    expect(policy.seen).to.have.length(0);
    expect(r.summary).to.not.include("policy");
  });

  it("`policy` asks the policy and plans its weights", async () => {
    const policy = fixedPolicy([0.5, 0.48, 0.02]);
    const r = await createOptimizer(options("policy"), { policy }).run(input, signal);
    expect(policy.seen).to.have.length(1);
    expect(planOf(r).targetWeights.low).to.be.closeTo(0.5, 1e-6);
    expect(r.summary).to.include("via policy");
  });
});
