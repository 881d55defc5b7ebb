import type { OptimizeInput } from "../types.ts";
import type { AllocationProblem } from "./problem.ts";

/**
 * The policy's features per source, in order (policy.json lists them; a policy trained on another list is
 * refused). Built only from what the optimizer has at decision time: the snapshot, the forecast, the risk
 * gate's bounds (as the allocation problem holds them) and the current allocation. Rates in APR %, scaled
 * to about unit size; the last five are the same for every source.
 */
export const POLICY_FEATURES = [
  "p50_div10",
  "p50_minus_p10_div5",
  "p90_minus_p50_div5",
  "rate_now_div10",
  "p50_minus_mean_p50_div2",
  "p50_minus_max_p50_div2",
  "rate_now_minus_p50_div5",
  "weight",
  "upper",
  "lower",
  "utilization",
  "no_new_deposits",
  "is_lp",
  "is_vault",
  "log1p_move_gas_bps",
  "idle_weight",
  "max_invested",
  "sources_div10",
] as const;

const clip = (x: number, lo = -5, hi = 5) => Math.min(hi, Math.max(lo, Number.isFinite(x) ? x : 0));

/**
 * The observation matrix `sources × POLICY_FEATURES` (row-major) for the problem's sources, in
 * `problem.ids` order. The gas feature is a withdraw-and-deposit move of one source (base leg included)
 * in basis points of total assets, as the optimizer estimates it from the snapshot's fees.
 */
export function policyObservation(input: OptimizeInput, problem: AllocationProblem): Float32Array {
  const { snapshot, forecast } = input;
  const n = problem.ids.length;
  const F = POLICY_FEATURES.length;
  const byId = new Map(snapshot.sources.map((s) => [s.id, s]));
  const rows = problem.ids.map((id) => {
    const src = byId.get(id);
    const now = src?.aprPct ?? 0;
    const f = forecast.sources[id] ?? { p10: now, p50: now, p90: now };
    return { src, now, f };
  });
  const p50s = rows.map((r) => r.f.p50);
  const meanP50 = n > 0 ? p50s.reduce((a, b) => a + b, 0) / n : 0;
  const maxP50 = n > 0 ? Math.max(...p50s) : 0;
  const invested = problem.current.reduce((a, b) => a + b, 0);
  const idle = Math.max(0, 1 - invested);
  const out = new Float32Array(n * F);
  rows.forEach(({ src, now, f }, i) => {
    const lower = problem.lower[i] ?? 0;
    const upper = problem.upper[i] ?? 0;
    const weight = problem.current[i] ?? 0;
    // Gas of leaving one source and entering another, in bps of total assets (fixed costs are in %).
    const moveGasBps = 100 * (problem.baseFixedCost + 2 * (problem.fixedCost[i] ?? 0));
    const row = [
      clip(f.p50 / 10, 0, 20),
      clip((f.p50 - f.p10) / 5),
      clip((f.p90 - f.p50) / 5),
      clip(now / 10, 0, 20),
      clip((f.p50 - meanP50) / 2),
      clip((f.p50 - maxP50) / 2),
      clip((now - f.p50) / 5),
      weight,
      upper,
      lower,
      src?.utilization ?? 0,
      upper <= weight + 1e-9 ? 1 : 0,
      src?.kind === "lp" ? 1 : 0,
      src?.kind === "vault" ? 1 : 0,
      clip(Math.log1p(Math.max(0, moveGasBps)), 0, 10),
      idle,
      problem.maxInvested,
      n / 10,
    ];
    out.set(row, i * F);
  });
  return out;
}
