import { expect } from "chai";
import { createHighsSolver } from "../../../src/adapters/highs/highsSolver.ts";
import { solveGreedy } from "../../../src/pipeline/optimize/greedy.ts";
import { buildLpModel } from "../../../src/pipeline/optimize/lpModel.ts";
import { createOptimizeStage } from "../../../src/pipeline/optimize/optimize.ts";
import type { AllocationProblem } from "../../../src/pipeline/optimize/problem.ts";
import { type LpSolver, solveAllocation } from "../../../src/pipeline/optimize/solver.ts";
import { forecast, optimizeInput, optimizeOptions, snapshot, source, verdict } from "../../support/optimizeFixtures.ts";

const signal = new AbortController().signal;
const solver = createHighsSolver();

function problem(over: Partial<AllocationProblem> = {}): AllocationProblem {
  return {
    ids: ["a", "b"],
    kinds: ["lending", "lending"],
    current: [0, 0],
    lower: [0, 0],
    upper: [0.6, 0.6],
    maxInvested: 0.98,
    mu: [0.1, 0.2],
    scenarios: [
      [0.1, 0.2],
      [0.1, 0.25],
      [0.1, 0.15],
      [0.1, 0.2],
    ],
    costIn: [0.01, 0.01],
    costOut: [0.01, 0.01],
    fixedCost: [0, 0],
    baseFixedCost: 0,
    riskAversion: 1,
    alpha: 0.75,
    objective: "cvar",
    milp: true,
    ...over,
  };
}

describe("HiGHS allocation (CVaR and mean-variance)", () => {
  it("solves the CVaR LP to the same answer as the closed form when risk does not bind", async () => {
    const p = problem({ riskAversion: 0 });
    const r = await solveAllocation(p, solver, signal);
    expect(r.method).to.equal("highs-cvar");
    const g = solveGreedy(p);
    for (const [i, w] of r.weights.entries()) expect(w).to.be.closeTo(g[i] ?? 0, 1e-6);
  });

  it("avoids a source with a fat loss tail under CVaR, and takes it when risk aversion is zero", async () => {
    // b pays more on average but loses 10 % in one scenario of four.
    const scenarios = [
      [0.1, 0.5],
      [0.1, 0.5],
      [0.1, 0.5],
      [0.1, -10],
    ];
    const risky = problem({ mu: [0.1, 0.5], scenarios, upper: [0.98, 0.98] });
    const averse = await solveAllocation(risky, solver, signal);
    const neutral = await solveAllocation({ ...risky, riskAversion: 0 }, solver, signal);
    expect(averse.weights[1]).to.be.closeTo(0, 1e-6);
    expect(neutral.weights[1]).to.be.closeTo(0.98, 1e-6);
  });

  it("diversifies between uncorrelated sources under mean-variance", async () => {
    const scenarios = [
      [1, -1],
      [-1, 1],
      [1, 1],
      [-1, -1],
    ];
    const p = problem({ objective: "mean-variance", mu: [0.2, 0.2], scenarios, upper: [0.98, 0.98], riskAversion: 5 });
    const r = await solveAllocation(p, solver, signal);
    expect(r.method).to.equal("highs-mean-variance");
    expect(r.weights[0]).to.be.closeTo(r.weights[1] ?? 0, 1e-4);
    expect((r.weights[0] ?? 0) + (r.weights[1] ?? 0)).to.be.lessThan(0.98);
  });

  it("does not touch a source whose fixed gas cost exceeds what moving earns (MILP)", async () => {
    const base = { mu: [0.1, 0.101], current: [0.5, 0.48], costIn: [0, 0], costOut: [0, 0], riskAversion: 0 };
    const free = await solveAllocation(problem(base), solver, signal);
    expect(free.weights[1]).to.be.closeTo(0.6, 1e-6);
    const p = problem({ ...base, fixedCost: [0.01, 0.01], baseFixedCost: 0.01 });
    const r = await solveAllocation(p, solver, signal);
    expect(r.weights[0]).to.be.closeTo(0.5, 1e-6);
    expect(r.weights[1]).to.be.closeTo(0.48, 1e-6);
    expect(buildLpModel(p)).to.include("Binaries");
  });

  it("falls back to the closed form when the solver fails", async () => {
    const broken: LpSolver = {
      name: "broken",
      solve: async () => {
        throw new Error("boom");
      },
    };
    const r = await solveAllocation(problem(), broken, signal);
    expect(r.method).to.equal("greedy (fallback: boom)");
    expect(r.weights.reduce((a, b) => a + b, 0)).to.be.at.most(0.98 + 1e-9);
  });

  it("falls back when the solver reports a non-optimal status", async () => {
    const odd: LpSolver = { name: "odd", solve: async () => ({ status: "Infeasible", columns: {} }) };
    expect((await solveAllocation(problem(), odd, signal)).method).to.equal("greedy (fallback: Infeasible)");
  });

  describe("degenerate inputs through the stage", () => {
    for (const objective of ["cvar", "mean-variance"] as const) {
      const stage = createOptimizeStage(optimizeOptions({ objective }), { solver });

      it(`${objective}: one source`, async () => {
        const s = snapshot([source("only", 4, 0)], 1_000_000);
        const r = await stage.run(optimizeInput(s, forecast({ only: 4 }), verdict(["only"])), signal);
        expect(r.status === "ok" && r.value.targetWeights.only).to.be.closeTo(0.6, 1e-6);
      });

      it(`${objective}: all frozen`, async () => {
        const s = snapshot([source("a", 4, 100_000), source("b", 5, 0)], 900_000);
        const r = await stage.run(
          optimizeInput(s, forecast({ a: 4, b: 5 }), verdict(["a", "b"], 1, { frozen: ["a", "b"] })),
          signal,
        );
        expect(r.status).to.equal("halt");
      });

      it(`${objective}: zero variance`, async () => {
        const s = snapshot([source("a", 4, 0), source("b", 6, 0)], 1_000_000);
        const r = await stage.run(optimizeInput(s, forecast({ a: 4, b: 6 }, 0), verdict(["a", "b"])), signal);
        expect(r.status === "ok" && r.value.targetWeights.b).to.be.closeTo(0.6, 1e-6);
      });
    }
  });
});
