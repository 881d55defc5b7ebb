import type { AllocationProblem } from "./problem.ts";

/**
 * Rockafellar-Uryasev value min_z z + Σ (ℓ_s − z)⁺ / K of losses ℓ, K = (1 − α)·S: the CVaR the LP's
 * auxiliaries `z`, `y_s` price. The minimum lies at one of the losses.
 */
export function ruValue(losses: readonly number[], k: number): number {
  const sorted = [...losses].sort((a, b) => b - a);
  let best = Number.POSITIVE_INFINITY;
  let above = 0;
  for (let j = 0; j < sorted.length; j++) {
    const z = sorted[j]!;
    best = Math.min(best, z + (above - j * z) / k);
    above += z;
  }
  return best;
}

/**
 * The CVaR allocation of a one-source problem without a solver. With one weight w ≥ 0 the scenario
 * losses scale with w, so the objective −μw + costIn·(w − cur)⁺ + costOut·(cur − w)⁺ + λ·w·CVaR is linear
 * on each side of the current weight: the optimum is the lower bound, the current weight, or the highest
 * weight the cap and the budget allow — the very vertex the LP solver returns. Returns undefined (solve
 * the LP) when a slope is within `margin` of zero, the move gains less than `margin / 10`, or the current
 * weight is within 1e-6 of a bound (the solver's tolerances could pick another vertex); and for more than
 * one source, for mean-variance and for the MILP.
 */
export function solveOneSource(p: AllocationProblem, margin = 1e-5): number[] | undefined {
  if (p.ids.length !== 1 || p.objective !== "cvar" || p.milp) return undefined;
  const lo = p.lower[0] ?? 0;
  const hi = p.upper[0] ?? 0;
  const top = Math.min(hi, p.maxInvested);
  if (!(top >= lo) || lo < 0) return undefined;
  // Within the solver's feasibility tolerance of each other, it may take either value: leave those to it.
  const near = (a: number, b: number) => a !== b && Math.abs(a - b) < 1e-6;
  const cur = p.current[0] ?? 0;
  if (near(hi, p.maxInvested) || near(cur, 0) || near(cur, lo) || near(cur, top)) return undefined;
  const S = p.scenarios.length;
  const risk =
    p.riskAversion > 0 && S > 0
      ? p.riskAversion *
        ruValue(
          p.scenarios.map((r) => -(r[0] ?? 0)),
          (1 - p.alpha) * S,
        )
      : 0;
  const mu = p.mu[0] ?? 0;
  const up = -mu + (p.costIn[0] ?? 0) + risk;
  const down = -mu - (p.costOut[0] ?? 0) + risk;
  // Moving to `to` along `slope` must gain clearly more than the solver's optimality tolerance.
  const go = (to: number, slope: number) =>
    to === cur || Math.abs(slope * (to - cur)) > margin * 0.1 ? [to] : undefined;
  if (cur <= lo) return up > margin ? go(lo, up) : up < -margin ? go(top, up) : undefined;
  if (cur >= top) return down < -margin ? go(top, down) : down > margin ? go(lo, down) : undefined;
  if (up < -margin) return go(top, up);
  if (down > margin) return go(lo, down);
  return up > margin && down < -margin ? [cur] : undefined;
}
