import { type AllocationProblem, cvarLoss } from "./problem.ts";

/** Risk-adjusted value per unit weight of each source on its own (% of the amount over the horizon). */
export function standaloneScores(p: AllocationProblem): number[] {
  return p.ids.map((_, i) => {
    const mu = p.mu[i] ?? 0;
    if (p.riskAversion === 0 || p.scenarios.length === 0) return mu;
    const col = p.scenarios.map((row) => row[i] ?? 0);
    if (p.objective === "mean-variance") {
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const variance = col.reduce((a, r) => a + (r - mean) ** 2, 0) / col.length;
      return mu - (p.riskAversion / 2) * variance;
    }
    return mu - p.riskAversion * cvarLoss(col, p.alpha);
  });
}

/**
 * Closed-form allocation without a solver: lower bounds first, then fills the budget with the best
 * risk-adjusted chunks — keeping a current holding saves its exit cost, new money pays its entry cost;
 * only chunks worth more than idle (0) are taken. Exact for the linear objective; a conservative
 * approximation of CVaR (it ignores diversification). Always feasible when the problem is.
 */
export function solveGreedy(p: AllocationProblem): number[] {
  const n = p.ids.length;
  const w = p.lower.map((x) => x);
  let budget = p.maxInvested - w.reduce((a, b) => a + b, 0);
  const scores = standaloneScores(p);
  const chunks: { i: number; size: number; value: number }[] = [];
  for (let i = 0; i < n; i++) {
    const lo = p.lower[i] ?? 0;
    const hi = p.upper[i] ?? 0;
    const cur = Math.min(Math.max(p.current[i] ?? 0, lo), hi);
    const score = scores[i] ?? 0;
    if (cur > lo) chunks.push({ i, size: cur - lo, value: score + (p.costOut[i] ?? 0) });
    if (hi > cur) chunks.push({ i, size: hi - cur, value: score - (p.costIn[i] ?? 0) });
  }
  // Stable order: value, then keeping before adding, then source order.
  chunks.sort((a, b) => b.value - a.value || a.i - b.i);
  for (const c of chunks) {
    if (budget <= 0 || c.value <= 0) break;
    const take = Math.min(c.size, budget);
    w[c.i] = (w[c.i] ?? 0) + take;
    budget -= take;
  }
  return w;
}
