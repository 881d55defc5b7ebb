import * as highsModule from "highs";
import { KeelError } from "../../domain/errors.ts";
import type { LpSolver } from "../../pipeline/optimize/solver.ts";

type Highs = highsModule.Highs;
type Loader = () => Promise<Highs>;

// The package is CommonJS-typed but ships an ES module: its default export is the loader either way.
function loader(): Loader {
  const d = (highsModule as unknown as { default: Loader | { default: Loader } }).default;
  return typeof d === "function" ? d : d.default;
}

/** Options of the HiGHS adapter. */
export interface HighsSolverOptions {
  /** Per-solve time limit in seconds (HiGHS stops and reports a limit status). */
  readonly timeLimitSeconds?: number;
}

/**
 * The optimizer's `LpSolver` on HiGHS (WebAssembly, `highs` npm): LP, MILP and convex QP from CPLEX LP
 * text. One instance is loaded lazily and reloaded after a native failure (a failed solve can leave
 * the Wasm module in a bad state).
 */
export function createHighsSolver(opts: HighsSolverOptions = {}): LpSolver {
  let instance: Promise<Highs> | undefined;
  const load = () => {
    instance ??= loader()();
    return instance;
  };
  return {
    name: "highs",
    async solve(model, signal) {
      signal.throwIfAborted();
      const highs = await load();
      try {
        const result = highs.solve(model, {
          time_limit: opts.timeLimitSeconds ?? 10,
          output_flag: false,
          // Presolve costs more than it saves on these small, dense models (≈3× slower with it on).
          presolve: "off",
        });
        const columns: Record<string, number> = {};
        if (result.Status === "Optimal") {
          for (const name in result.Columns) {
            const primal = (result.Columns[name] as { Primal?: number } | undefined)?.Primal;
            if (typeof primal === "number") columns[name] = primal;
          }
        }
        return { status: result.Status, columns };
      } catch (err) {
        instance = undefined;
        throw new KeelError("SOLVER_FAILED", "HiGHS failed on the allocation model", { retryable: true, cause: err });
      }
    },
  };
}
