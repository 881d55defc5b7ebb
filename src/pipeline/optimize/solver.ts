import { solveGreedy } from "./greedy.ts";
import { buildLpModel, weightsFromSolution } from "./lpModel.ts";
import { solveOneSource } from "./oneSource.ts";
import { type AllocationProblem, isFeasible } from "./problem.ts";

/** A linear / quadratic / mixed-integer programme solver reading CPLEX LP text (HiGHS, in an adapter). */
export interface LpSolver {
  readonly name: string;
  /** Solves the model; `status` is the solver's ("Optimal" when solved), columns by name. */
  solve(model: string, signal: AbortSignal): Promise<{ status: string; columns: Readonly<Record<string, number>> }>;
}

/** Weights chosen for a problem and how they were found. */
export interface Allocation {
  readonly weights: number[];
  /** `highs-cvar`, `highs-mean-variance`, `greedy`, or `greedy (fallback: …)`. */
  readonly method: string;
}

/**
 * Solves the allocation problem with the configured formulation. Falls back to the closed-form greedy
 * allocation when there is no solver, the objective is `greedy`, the problem is trivial, or the solver
 * fails or returns something infeasible; the method says which. A one-source CVaR problem is solved in
 * closed form (`solveOneSource`, the vertex the solver returns) unless `closedForm` is false.
 */
export async function solveAllocation(
  problem: AllocationProblem,
  solver: LpSolver | undefined,
  signal: AbortSignal,
  opts: { closedForm?: boolean } = {},
): Promise<Allocation> {
  const free = problem.ids.filter((_, i) => (problem.upper[i] ?? 0) - (problem.lower[i] ?? 0) > 1e-12).length;
  if (problem.objective === "greedy" || solver === undefined || free === 0) {
    return { weights: solveGreedy(problem), method: "greedy" };
  }
  const exact = opts.closedForm === false ? undefined : solveOneSource(problem);
  if (exact) return { weights: exact, method: "closed-form-cvar" };
  let why: string;
  try {
    const result = await solver.solve(buildLpModel(problem), signal);
    if (result.status === "Optimal") {
      const weights = weightsFromSolution(problem, result.columns);
      if (isFeasible(problem, weights, 1e-6)) return { weights, method: `${solver.name}-${problem.objective}` };
      why = "infeasible solution";
    } else {
      why = result.status;
    }
  } catch (err) {
    signal.throwIfAborted();
    why = err instanceof Error ? err.message.slice(0, 80) : "solver error";
  }
  return { weights: solveGreedy(problem), method: `greedy (fallback: ${why})` };
}
