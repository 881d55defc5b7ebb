import { asOf, type PoolInfo, timeWeightedMean } from "../domain/dataset.ts";
import type { SourceKind } from "../domain/snapshot.ts";
import { type GasModelOptions, modelGasUnits } from "../pipeline/gasCheck/gasModel.ts";
import { swapCostFraction } from "../pipeline/optimize/impact.ts";
import type { Policy } from "./baselines.ts";
import type { SimMarket } from "./market.ts";
import { kindOf } from "./marketMoves.ts";

const YEAR = 365 * 86_400;
/** Budget of state transitions the plan may weigh (allocations² × decision times). */
const MAX_TRANSITIONS = 3e8;

/** What the oracle plans with: the replay's span, the caps, and the costs every strategy pays. */
export interface OracleOptions {
  readonly start: number;
  /** Last decision step. */
  readonly end: number;
  readonly stepSeconds: number;
  readonly capitalUsd: number;
  readonly maxWeight: number;
  readonly minIdleWeight: number;
  readonly minMoveUnits: number;
  readonly slippageBps: Readonly<Record<SourceKind, number>>;
  readonly gasModel: GasModelOptions;
}

/**
 * Every allocation that fills sources in some order, each up to the cap, until `invested` is placed —
 * and the partial fills of fewer sources (for days with fewer sources live). For yields linear in the
 * weights and per-move costs, the best path over these is the best path of all.
 */
function allocations(n: number, cap: number, invested: number): Float64Array[] {
  const full = Math.min(n, Math.floor(invested / cap + 1e-9));
  const rem = invested - full * cap > 1e-9 ? invested - full * cap : 0;
  const out: Float64Array[] = [];
  const pick = (from: number, chosen: number[], size: number) => {
    if (chosen.length === size) {
      const w = new Float64Array(n);
      for (const i of chosen) w[i] = cap;
      out.push(w);
      if (size === full && rem > 0) {
        for (let r = 0; r < n; r++) {
          if (chosen.includes(r)) continue;
          const x = w.slice();
          x[r] = rem;
          out.push(x);
        }
      }
      return;
    }
    for (let i = from; i < n; i++) pick(i + 1, [...chosen, i], size);
  };
  for (let size = 0; size <= full; size++) pick(0, [], size);
  return out;
}

/**
 * Allocations of exactly `invested` on a grid of `step` (the last source takes the rest), each up to `cap`:
 * with the vault's own impact a yield is concave in its weight, and the best split may lie between the fills.
 */
function gridAllocations(n: number, cap: number, invested: number, step: number): Float64Array[] {
  const out: Float64Array[] = [];
  const w = new Float64Array(n);
  const fill = (i: number, left: number) => {
    if (i === n - 1) {
      if (left <= cap + 1e-9) {
        w[i] = Math.max(0, left);
        out.push(w.slice());
      }
      return;
    }
    for (let k = 0; k * step <= Math.min(cap, left) + 1e-9; k++) {
      w[i] = k * step;
      fill(i + 1, left - k * step);
    }
  };
  if (n > 0) fill(0, invested);
  return out;
}

/** The rank fills, and the finest grid (of 1, 2, 5, 10, 20 %) that keeps the count within `maxStates`. */
function candidateAllocations(n: number, cap: number, invested: number, maxStates: number): Float64Array[] {
  const fills = allocations(n, cap, invested);
  const key = (w: Float64Array) => Array.from(w, (x) => Math.round(x * 1e9)).join(",");
  const seen = new Set(fills.map(key));
  for (const step of [0.01, 0.02, 0.05, 0.1, 0.2]) {
    const grid = gridAllocations(n, cap, invested, step).filter((w) => !seen.has(key(w)));
    if (fills.length + grid.length <= maxStates) return [...fills, ...grid];
  }
  return fills;
}

function countAllocations(n: number, cap: number, invested: number): number {
  const full = Math.min(n, Math.floor(invested / cap + 1e-9));
  const rem = invested - full * cap > 1e-9;
  const choose = (m: number, k: number) => {
    let c = 1;
    for (let i = 0; i < k; i++) c = (c * (m - i)) / (i + 1);
    return c;
  };
  let count = 0;
  for (let k = 0; k <= full; k++) count += choose(n, k);
  return count + (rem ? choose(n, full) * (n - full) : 0);
}

/** What moving between every pair of allocations costs: slippage and swap costs (USD) and gas units. */
function transitionCosts(
  pools: readonly PoolInfo[],
  states: readonly ArrayLike<number>[],
  market: SimMarket,
  o: OracleOptions,
): { slip: Float64Array; gas: Float64Array } {
  const n = pools.length;
  const S = states.length;
  const kinds = new Map(pools.map((p) => [p.poolId, kindOf(p)]));
  const routes = pools.map((p) => market.swapRoute(p));
  const slip = new Float64Array(S * S);
  const gas = new Float64Array(S * S);
  for (let a = 0; a < S; a++) {
    for (let b = 0; b < S; b++) {
      const legs: { sourceId: string; direction: "deposit" | "withdraw" }[] = [];
      let cost = 0;
      for (let i = 0; i < n; i++) {
        const d = states[b]![i]! - states[a]![i]!;
        if (Math.abs(d) * o.capitalUsd < o.minMoveUnits) continue;
        const usd = Math.abs(d) * o.capitalUsd;
        cost += (usd * o.slippageBps[kindOf(pools[i]!)]) / 10_000;
        const route = routes[i];
        if (route) cost += usd * swapCostFraction(usd, route);
        legs.push({ sourceId: pools[i]!.poolId, direction: d > 0 ? "deposit" : "withdraw" });
      }
      slip[a * S + b] = cost;
      const swapLeg = (id: string) => routes[pools.findIndex((p) => p.poolId === id)] !== undefined;
      gas[a * S + b] = Number(modelGasUnits(legs, (id) => kinds.get(id) ?? "lending", o.gasModel, swapLeg));
    }
  }
  return { slip, gas };
}

/**
 * Dynamic programming backwards over the steps: at step j, holding allocation a before its move, the best allocation
 * to move to (or stay) given each allocation's earnings (`earnAt`), where it may go (`allowedAt`) and the costs.
 */
function bestMoves(
  days: readonly number[],
  market: SimMarket,
  { S, slip, gas }: { S: number; slip: Float64Array; gas: Float64Array },
  { earnAt, allowedAt }: { earnAt: (j: number) => number[]; allowedAt: (j: number) => boolean[] },
): Int32Array[] {
  // value[j][s]: the best net gain from step j on, holding s before step j's move.
  const choice = days.map(() => new Int32Array(S));
  let next = new Float64Array(S);
  for (let j = days.length - 1; j >= 0; j--) {
    const t = days[j]!;
    const usdPerGas = market.prices.paidGasGwei(t) * 1e-9 * market.prices.eth(t);
    const earn = earnAt(j);
    const allowed = allowedAt(j);
    const value = new Float64Array(S);
    for (let a = 0; a < S; a++) {
      let best = earn[a]! + next[a]!;
      let arg = a;
      for (let b = 0; b < S; b++) {
        if (b === a || !allowed[b]) continue;
        const v = earn[b]! + next[b]! - slip[a * S + b]! - gas[a * S + b]! * usdPerGas;
        if (v > best) {
          best = v;
          arg = b;
        }
      }
      value[a] = best;
      choice[j]![a] = arg;
    }
    next = value;
  }
  return choice;
}

/**
 * The best path of allocations with perfect foresight, choosing at every step of the replay (as keel may):
 * each step's realised (time-weighted) rates, the gas price really paid then and the slippage of every move,
 * under the weight cap and idle buffer — solved exactly by dynamic programming over the capped allocations
 * (gas weighed against yield on the starting capital). When there are too many allocations to weigh, the
 * sources with the lowest realised rates over the period are left out. Returns the target weights at each
 * step it moves.
 */
export function planOracle(market: SimMarket, o: OracleOptions): Map<number, Record<string, number>> {
  const days: number[] = [];
  for (let t = o.start; t <= o.end; t += o.stepSeconds) days.push(t);
  const periodEnd = (j: number) => days[j]! + o.stepSeconds;
  const invested = 1 - o.minIdleWeight;
  const growthOf = (p: PoolInfo) =>
    days.map(
      (t, j) =>
        (timeWeightedMean(market.realised.rates.get(p.poolId) ?? [], t, periodEnd(j)) / 100) *
        ((periodEnd(j) - t) / YEAR),
    );
  // What a unit of the source is worth in the base asset, as the replay values it (a swap leg's token moves
  // against the base asset): its change over a step is part of what holding the source earns.
  const worth = (p: PoolInfo, t: number) =>
    market.prices.uncounted(() => (market.unitPrice(p, t) ?? 0) / market.basePrice(t));
  const revaluationOf = (p: PoolInfo) => {
    const at = [...days, periodEnd(days.length - 1)].map((t) => worth(p, t));
    return days.map((_t, j) => (at[j]! > 0 ? at[j + 1]! / at[j]! - 1 : 0));
  };
  // Where the vault could deposit at each step: a fresh rate with TVL, and for a swap leg a fresh price of
  // its token (no oracle, no swap). A source never open is left out before anything else.
  const openAt = (p: PoolInfo) =>
    days.map((t) => {
      const r = asOf(market.data.rates.get(p.poolId) ?? [], t, market.opts.maxRateAgeSeconds);
      return r !== undefined && r.tvlUsd > 0 && (!market.swapRoute(p) || market.prices.fresh(p.asset, t));
    });
  let pools = market.pools.filter((p) => openAt(p).some(Boolean));
  let growth = pools.map(growthOf);
  let revaluation = pools.map(revaluationOf);
  const maxStates = Math.max(2, Math.floor(Math.sqrt(MAX_TRANSITIONS / days.length)));
  while (countAllocations(pools.length, o.maxWeight, invested) > maxStates) {
    const total = growth.map((g) => g.reduce((a, b) => a + b, 0));
    const worst = total.indexOf(Math.min(...total));
    pools = pools.filter((_, i) => i !== worst);
    growth = growth.filter((_, i) => i !== worst);
    revaluation = revaluation.filter((_, i) => i !== worst);
  }
  const n = pools.length;
  // Own impact: the realised rate scaled for our supply of x USD, at the market's state at the step's start.
  const irms = pools.map((p) => (p.kind === "lending" ? market.opts.irmOf?.(p.poolId) : undefined));
  const marketAt = pools.map((p, i) =>
    irms[i] ? days.map((t) => asOf(market.realised.rates.get(p.poolId) ?? [], t, Number.POSITIVE_INFINITY)) : [],
  );
  const impact = (i: number, j: number, usd: number): number => {
    const at = marketAt[i]?.[j];
    if (!at || usd <= 0) return 1;
    return market.withOwnSupply(pools[i]!, { ...at, aprPct: 1 }, usd).aprPct;
  };
  const live = pools.map(openAt);
  const states = candidateAllocations(n, o.maxWeight, invested, maxStates);
  const S = states.length;
  const { slip, gas } = transitionCosts(pools, states, market, o);
  const earnAt = (j: number) =>
    states.map((w) =>
      w.reduce(
        (acc, x, i) =>
          acc + x * o.capitalUsd * ((growth[i]![j] ?? 0) * impact(i, j, x * o.capitalUsd) + (revaluation[i]![j] ?? 0)),
        0,
      ),
    );
  const allowedAt = (j: number) => states.map((w) => w.every((x, i) => x === 0 || live[i]![j]));
  const choice = bestMoves(days, market, { S, slip, gas }, { earnAt, allowedAt });
  const plan = new Map<number, Record<string, number>>();
  let state = states.findIndex((w) => w.every((x) => x === 0));
  days.forEach((t, j) => {
    const to = choice[j]![state]!;
    if (to !== state) plan.set(t, Object.fromEntries(pools.map((p, i) => [p.poolId, states[to]![i]!])));
    state = to;
  });
  return plan;
}

/** `oracle`: the perfect-foresight bound (`planOracle`), planned once, then followed step by step. */
export function oraclePolicy(o: OracleOptions): Policy {
  let plan: Map<number, Record<string, number>> | undefined;
  return {
    name: "oracle",
    async decide(ctx) {
      plan ??= planOracle(ctx.market, o);
      return plan.get(ctx.t);
    },
  };
}
