import { expect } from "chai";
import fc from "fast-check";
import { createHighsSolver } from "../../../src/adapters/highs/highsSolver.ts";
import { ruValue, solveOneSource } from "../../../src/pipeline/optimize/oneSource.ts";
import type { AllocationProblem } from "../../../src/pipeline/optimize/problem.ts";
import { solveAllocation } from "../../../src/pipeline/optimize/solver.ts";

const signal = new AbortController().signal;
const highs = createHighsSolver();

/** A float in [min, max] at 1e-9 resolution, plus an irrational-looking tail (like accrued weights). */
const real = (min: number, max: number) =>
  fc.integer({ min: Math.round(min * 1e9), max: Math.round(max * 1e9) }).map((x) => x / 1e9 + (x % 7) * 1e-13);

const problemArb = fc
  .record({
    mu: real(-0.5, 0.5),
    returns: fc.array(real(-0.6, 0.6), { minLength: 1, maxLength: 60 }),
    cost: real(0, 0.05),
    current: fc.oneof(fc.constant(0), real(1e-6, 1), fc.constantFrom(0.6, 0.38)),
    lower: fc.constantFrom(0, 0, 0.1),
    upper: real(0.15, 1),
    maxInvested: real(0.5, 1),
    riskAversion: fc.constantFrom(0, 0.5, 1, 3),
    alpha: fc.constantFrom(0.5, 0.9, 0.95),
  })
  .map(
    (x): AllocationProblem => ({
      ids: ["a"],
      kinds: ["lending"],
      current: [x.current],
      lower: [x.lower],
      upper: [x.upper],
      maxInvested: x.maxInvested,
      mu: [x.mu],
      scenarios: x.returns.map((r) => [r]),
      costIn: [x.cost],
      costOut: [x.cost],
      fixedCost: [0],
      baseFixedCost: 0,
      riskAversion: x.riskAversion,
      alpha: x.alpha,
      objective: "cvar",
      milp: false,
    }),
  );

describe("one-source CVaR allocation in closed form", function () {
  this.timeout(60_000);

  it("computes the Rockafellar-Uryasev CVaR of the worst (1 − α) share of losses", () => {
    // Worst 2 of 10: (9 + 8) / 2; with K = 2.5, 9 + 8 + half of 7, over 2.5.
    const losses = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
    expect(ruValue(losses, 2)).to.equal(8.5);
    expect(ruValue(losses, 2.5)).to.be.closeTo((9 + 8 + 0.5 * 7) / 2.5, 1e-12);
  });

  it("returns the weights HiGHS returns for the same problem, or defers to it", async () => {
    let decided = 0;
    await fc.assert(
      fc.asyncProperty(problemArb, async (p) => {
        const fast = solveOneSource(p);
        if (!fast) return;
        decided++;
        const lp = await solveAllocation(p, highs, signal, { closedForm: false });
        expect(lp.method).to.equal("highs-cvar");
        // The same vertex, up to the last bit of the solver's own arithmetic (a 1e-12 weight is one base unit in 1e12).
        expect(Math.abs((lp.weights[0] ?? 0) - (fast[0] ?? 0))).to.be.at.most(1e-15);
      }),
      { numRuns: 400, seed: 15 },
    );
    expect(decided).to.be.greaterThan(300);
  });

  it("is what solveAllocation uses for one source, and leaves two sources and the MILP to the solver", async () => {
    const p: AllocationProblem = {
      ids: ["a"],
      kinds: ["lending"],
      current: [0.3],
      lower: [0],
      upper: [0.6],
      maxInvested: 0.98,
      mu: [0.1],
      scenarios: [[0.1], [0.09], [0.11]],
      costIn: [0.001],
      costOut: [0.001],
      fixedCost: [0],
      baseFixedCost: 0,
      riskAversion: 1,
      alpha: 0.9,
      objective: "cvar",
      milp: false,
    };
    expect(await solveAllocation(p, highs, signal)).to.deep.equal({ weights: [0.6], method: "closed-form-cvar" });
    expect(solveOneSource({ ...p, milp: true })).to.equal(undefined);
    expect(solveOneSource({ ...p, objective: "mean-variance" })).to.equal(undefined);
    expect(
      solveOneSource({ ...p, ids: ["a", "b"], current: [0.3, 0], lower: [0, 0], upper: [0.6, 0.6], mu: [0.1, 0.1] }),
    ).to.equal(undefined);
  });
});
