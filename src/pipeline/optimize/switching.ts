import type { Snapshot } from "../../domain/snapshot.ts";
import { aprAfterSupplyChange, irmOf, type OwnImpactOptions, swapCostFraction } from "./impact.ts";
import type { AllocationProblem, FixedCostsUsd } from "./problem.ts";

/** The switching rule (`strategy.switching`). */
export interface SwitchingOptions {
  /** Expected holding period: gains are counted, and switching costs amortised, over it. */
  readonly holdingDays: number;
  /** A plan moves only when its P10 gain over the holding period is at least this × all its costs. */
  readonly hysteresis: number;
  /** No rebalance for yield within this many hours of the last one (risk exits and bound restores excepted). */
  readonly minHoldHours: number;
  /** The same switch must pay on every tick for this many hours before it is made. */
  readonly confirmHours: number;
}

/**
 * Remembers since when the same switch (from → to) has paid on every tick the optimizer ran: a tick where it
 * does not pay, or where another switch is best, starts over (`reset`, or a new key).
 */
export function switchConfirmation(): {
  /** Seconds the switch `key` has paid without a break, as of `now` (0 on its first tick). */
  seen(key: string, now: number): number;
  reset(): void;
} {
  let streak: { key: string; since: number } | undefined;
  return {
    seen(key, now) {
      if (!streak || streak.key !== key || now < streak.since) streak = { key, since: now };
      return now - streak.since;
    },
    reset() {
      streak = undefined;
    },
  };
}

/**
 * Exact prices of a plan for one tick: each source's rate as a function of the vault's weight in it (own
 * impact, relative to the observed rate, which includes the current position), and what moving costs
 * (slippage, swap fee and price impact, gas).
 */
export interface Pricing {
  readonly totalUsd: number;
  /** Observed rate × this = the source's rate with weight `w` of the vault in it (1 at the current weight). */
  rateRatio(i: number, w: number): number;
  /** Slippage, swap fee and price impact of changing source i's weight by `dw`, USD. */
  moveCostUsd(i: number, dw: number): number;
  /** Estimated gas of a rebalance touching these sources (deposit when dw > 0), USD. */
  gasUsd(moves: readonly { i: number; dw: number }[]): number;
}

/** What a change of weights earns over the holding period and costs. */
export interface PlanPrice {
  /** Gain over the holding period before costs, USD: median and pessimistic (P10 of the scenarios). */
  readonly gainP50Usd: number;
  readonly gainP10Usd: number;
  /** Slippage + swap fee + price impact, and estimated gas, USD. */
  readonly moveCostUsd: number;
  readonly gasUsd: number;
}

/** The pricing of a problem built from `snapshot` (same source order). */
export function buildPricing(
  problem: AllocationProblem,
  snapshot: Snapshot,
  fixed: FixedCostsUsd,
  totalUsd: number,
  ownImpact: OwnImpactOptions,
  slippagePct: readonly number[],
): Pricing {
  const sources = problem.ids.map((id) => snapshot.sources.find((s) => s.id === id)!);
  const irms = sources.map((s) => (s.kind === "lending" ? irmOf(ownImpact, s.id) : undefined));
  return {
    totalUsd,
    rateRatio(i, w) {
      const s = sources[i]!;
      const irm = irms[i];
      const cur = problem.current[i] ?? 0;
      if (!irm || w === cur) return 1;
      return aprAfterSupplyChange({ ...s, aprPct: 1 }, cur * totalUsd, w * totalUsd, irm);
    },
    moveCostUsd(i, dw) {
      const usd = Math.abs(dw) * totalUsd;
      if (usd === 0) return 0;
      const swap = sources[i]?.swap;
      return usd * ((slippagePct[i] ?? 0) / 100 + (swap ? swapCostFraction(usd, swap) : 0));
    },
    gasUsd(moves) {
      const legs = moves.filter((m) => m.dw !== 0);
      if (legs.length === 0) return 0;
      return legs.reduce((acc, m) => {
        const s = sources[m.i]!;
        const leg = m.dw > 0 ? fixed.deposit[s.kind] : fixed.withdraw[s.kind];
        return acc + leg + (s.swap ? fixed.swap : 0);
      }, fixed.base);
    },
  };
}

/**
 * Prices new weights `w` against the current ones over the holding period: each source earns its forecast
 * (P50, and every scenario for the P10) scaled by its own-impact rate ratio at the new weight.
 */
export function priceWeights(problem: AllocationProblem, pricing: Pricing, w: readonly number[]): PlanPrice {
  const n = problem.ids.length;
  // Per source: what one unit of forecast return earns at the new weight minus at the current one, in weight.
  const delta: number[] = [];
  const moves: { i: number; dw: number }[] = [];
  let moveCostUsd = 0;
  for (let i = 0; i < n; i++) {
    const cur = problem.current[i] ?? 0;
    const x = w[i] ?? 0;
    delta.push(x * pricing.rateRatio(i, x) - cur);
    const dw = x - cur;
    if (Math.abs(dw) > 1e-12) {
      moves.push({ i, dw });
      moveCostUsd += pricing.moveCostUsd(i, dw);
    }
  }
  const usd = pricing.totalUsd / 100;
  let p50 = 0;
  for (let i = 0; i < n; i++) p50 += (problem.mu[i] ?? 0) * (delta[i] ?? 0) * usd;
  const outcomes = problem.scenarios.map((row) => row.reduce((acc, r, i) => acc + r * (delta[i] ?? 0), 0) * usd);
  outcomes.sort((a, b) => a - b);
  const p10 = outcomes.length > 0 ? (outcomes[Math.floor(0.1 * (outcomes.length - 1))] ?? p50) : p50;
  return { gainP50Usd: p50, gainP10Usd: Math.min(p10, p50), moveCostUsd, gasUsd: pricing.gasUsd(moves) };
}

/** Whether a priced plan pays: its P10 gain is at least `hysteresis` × all its costs (and positive). */
export function pays(price: PlanPrice, hysteresis: number): boolean {
  const cost = price.moveCostUsd + price.gasUsd;
  return price.gainP10Usd > 0 && price.gainP10Usd >= hysteresis * cost;
}

/**
 * The rule's trigger, before any solve: the best single transfer of weight from where the vault holds it
 * (a source, or idle above the buffer) to another source with room, sized to all the room, half or a quarter
 * of it (own impact and price impact make smaller moves pay per unit). Returns the best-paying transfer by
 * net P10 gain, or undefined when none pays `hysteresis` × its costs: then no plan can pay for itself
 * through any one switch, and the vault stays without solving.
 */
export function bestSwitch(
  problem: AllocationProblem,
  pricing: Pricing,
  hysteresis: number,
): { from: number; to: number; weight: number; price: PlanPrice } | undefined {
  const n = problem.ids.length;
  const cur = problem.current;
  const invested = cur.reduce((a, b) => a + b, 0);
  const idleRoom = Math.max(0, problem.maxInvested - invested);
  let best: { from: number; to: number; weight: number; price: PlanPrice } | undefined;
  for (let to = 0; to < n; to++) {
    const room = (problem.upper[to] ?? 0) - (cur[to] ?? 0);
    if (room <= 1e-9) continue;
    // from = -1: idle above the buffer.
    for (let from = -1; from < n; from++) {
      if (from === to) continue;
      const avail = from < 0 ? idleRoom : (cur[from] ?? 0) - (problem.lower[from] ?? 0);
      const size = Math.min(room, avail);
      if (size <= 1e-9) continue;
      for (const f of [1, 0.5, 0.25]) {
        const w = [...cur];
        w[to] = (w[to] ?? 0) + size * f;
        if (from >= 0) w[from] = (w[from] ?? 0) - size * f;
        const price = priceWeights(problem, pricing, w);
        if (!pays(price, hysteresis)) continue;
        const net = price.gainP10Usd - price.moveCostUsd - price.gasUsd;
        if (!best || net > best.price.gainP10Usd - best.price.moveCostUsd - best.price.gasUsd) {
          best = { from, to, weight: size * f, price };
        }
      }
    }
  }
  return best;
}
