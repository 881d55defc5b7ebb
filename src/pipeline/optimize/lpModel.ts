import type { AllocationProblem } from "./problem.ts";

/** Above this many sources the fixed gas costs are left out of the MILP (they are checked afterwards). */
export const MAX_BINARY_SOURCES = 60;

function num(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`non-finite coefficient ${x}`);
  // Shortest round-trip form; the LP reader takes exponents (1e-7).
  return String(x);
}

/** Appends `± |c| name` terms, skipping zero coefficients. */
function terms(pairs: readonly (readonly [number, string])[]): string {
  let out = "";
  for (const [c, name] of pairs) {
    if (Math.abs(c) < 1e-13) continue;
    out += c < 0 ? ` - ${num(-c)} ${name}` : ` + ${num(c)} ${name}`;
  }
  return out;
}

/**
 * The allocation problem in CPLEX LP format, in % of total assets.
 *
 * Variables: weights `w_i` in [lower, upper], buys `p_i` and sells `q_i` (w_i − p_i + q_i = current_i)
 * paying proportional costs. `cvar` adds the Rockafellar-Uryasev auxiliaries — VaR `z` (free) and
 * excess losses `y_s ≥ 0` with y_s ≥ −r_sᵀw − z — and minimises −μᵀw + costs + λ(z + Σy_s / ((1−α)S));
 * with `milp` and up to `MAX_BINARY_SOURCES` sources it also prices each touched source's gas leg and the
 * rebalance's base gas with binaries (a MILP). `mean-variance` minimises −μᵀw + costs + (λ/2)wᵀΣw
 * with Σ the scenario covariance (a QP; fixed costs are checked afterwards).
 */
export function buildLpModel(p: AllocationProblem): string {
  const n = p.ids.length;
  const S = p.scenarios.length;
  const obj: [number, string][] = [];
  const rows: string[] = [];
  const bounds: string[] = [];
  const binaries: string[] = [];
  for (let i = 0; i < n; i++) {
    obj.push([-(p.mu[i] ?? 0), `w${i}`], [p.costIn[i] ?? 0, `p${i}`], [p.costOut[i] ?? 0, `q${i}`]);
    rows.push(` bal${i}: w${i} - p${i} + q${i} = ${num(p.current[i] ?? 0)}`);
    bounds.push(` ${num(p.lower[i] ?? 0)} <= w${i} <= ${num(p.upper[i] ?? 0)}`);
  }
  rows.push(` budget:${terms(p.ids.map((_, i) => [1, `w${i}`] as const))} <= ${num(p.maxInvested)}`);

  const risk = p.riskAversion > 0 && S > 0;
  if (p.objective === "cvar" && risk) {
    obj.push([p.riskAversion, "z"]);
    const ys = p.riskAversion / ((1 - p.alpha) * S);
    for (let s = 0; s < S; s++) {
      obj.push([ys, `y${s}`]);
      const row = p.scenarios[s] ?? [];
      rows.push(` sc${s}: y${s}${terms(row.map((r, i) => [r, `w${i}`] as const))} + z >= 0`);
    }
    bounds.push(" z free");
  }
  if (p.objective === "cvar" && p.milp && n <= MAX_BINARY_SOURCES && p.baseFixedCost + sumOf(p.fixedCost) > 0) {
    obj.push([p.baseFixedCost, "bb"]);
    for (let i = 0; i < n; i++) {
      const cur = p.current[i] ?? 0;
      const big = Math.max((p.upper[i] ?? 0) - cur, cur - (p.lower[i] ?? 0), 0) + 1e-9;
      obj.push([p.fixedCost[i] ?? 0, `b${i}`]);
      rows.push(` fx${i}: p${i} + q${i} - ${num(big)} b${i} <= 0`);
      rows.push(` fb${i}: b${i} - bb <= 0`);
      binaries.push(`b${i}`);
    }
    binaries.push("bb");
  }

  let quad = "";
  if (p.objective === "mean-variance" && risk) {
    const cov = covariance(p.scenarios, n);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const c = p.riskAversion * (cov[i]?.[j] ?? 0) * (i === j ? 1 : 2);
        if (Math.abs(c) < 1e-13) continue;
        const term = i === j ? `w${i} ^ 2` : `w${i} * w${j}`;
        parts.push(c < 0 ? `- ${num(-c)} ${term}` : `+ ${num(c)} ${term}`);
      }
    }
    if (parts.length > 0) quad = ` + [ ${parts.join(" ").replace(/^\+ /, "")} ] / 2`;
  }

  const lines = ["Minimize", ` obj:${terms(obj) || " 0 w0"}${quad}`, "Subject To", ...rows, "Bounds", ...bounds];
  if (binaries.length > 0) lines.push("Binaries", ` ${binaries.join(" ")}`);
  lines.push("End");
  return lines.join("\n");
}

function sumOf(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** Sample covariance of scenario returns (population form), sources × sources. */
export function covariance(scenarios: readonly (readonly number[])[], n: number): number[][] {
  const S = scenarios.length;
  const mean = new Array<number>(n).fill(0);
  for (const row of scenarios) for (let i = 0; i < n; i++) mean[i] = (mean[i] ?? 0) + (row[i] ?? 0) / S;
  const cov: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const row of scenarios) {
    for (let i = 0; i < n; i++) {
      const di = (row[i] ?? 0) - (mean[i] ?? 0);
      const ci = cov[i] as number[];
      for (let j = i; j < n; j++) ci[j] = (ci[j] ?? 0) + (di * ((row[j] ?? 0) - (mean[j] ?? 0))) / S;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) (cov[i] as number[])[j] = cov[j]?.[i] ?? 0;
  return cov;
}

/** Reads the weights back from a solution, clipped to their bounds. */
export function weightsFromSolution(p: AllocationProblem, columns: Readonly<Record<string, number>>): number[] {
  return p.ids.map((_, i) => {
    const x = columns[`w${i}`] ?? p.current[i] ?? 0;
    return Math.min(Math.max(x, p.lower[i] ?? 0), p.upper[i] ?? 0);
  });
}
