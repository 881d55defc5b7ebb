import { mulDiv, toFloat } from "../domain/amounts.ts";
import type { PoolInfo } from "../domain/dataset.ts";
import type { Move } from "../domain/decision.ts";
import type { SourceKind } from "../domain/snapshot.ts";
import { swapCostFraction } from "../pipeline/optimize/impact.ts";
import type { AppliedRebalance, SimMarket } from "./market.ts";

const SCALE = 1_000_000_000_000n;

/** The snapshot kind of a dataset pool. */
export function kindOf(pool: PoolInfo): SourceKind {
  return pool.kind === "lp" ? "lp" : pool.kind === "vault" ? "vault" : "lending";
}

/**
 * What moving `amount` (base units) in or out of a source costs, base units: the kind's slippage, and for
 * a swap leg the route's fee and price impact on the amount (`swapCostFraction`).
 */
export function moveCost(
  market: SimMarket,
  pool: PoolInfo,
  amount: bigint,
  basePriceUsd: number,
): { cost: bigint; swapCost: bigint } {
  const slip = mulDiv(amount, BigInt(market.opts.slippageBps[kindOf(pool)]), 10_000n);
  const route = market.swapRoute(pool);
  if (!route) return { cost: slip, swapCost: 0n };
  const fraction = swapCostFraction(toFloat(amount, market.opts.decimals) * basePriceUsd, route);
  const swapCost = mulDiv(amount, BigInt(Math.round(fraction * 1e12)), SCALE);
  return { cost: slip + swapCost, swapCost };
}

/**
 * Applies one move at time `t` (base price `base`): a withdrawal limited to what can leave now, a deposit to the
 * idle cash, both paying the move's cost. Returns the amount moved and its costs, or undefined when nothing moved.
 */
function applyMove(
  market: SimMarket,
  m: Move,
  pool: PoolInfo,
  base: number,
): { amount: bigint; cost: bigint; swapCost: bigint } | undefined {
  const t = market.t;
  const route = market.swapRoute(pool);
  // A swap leg trades at its token's oracle price: no fresh price, no swap in (the adapter's minOut needs it).
  if (route && m.direction === "deposit" && !market.prices.fresh(pool.asset, t)) return undefined;
  const unitUsd = market.unitPrice(pool, t);
  if (unitUsd === undefined) return undefined;
  const toUnits = (baseAmount: bigint) => mulDiv(baseAmount, BigInt(Math.round((base / unitUsd) * 1e12)), SCALE);
  const held = market.units.get(pool.poolId) ?? 0n;
  let amount = m.amount;
  if (m.direction === "withdraw") {
    const limit = market.maxWithdraw(pool, t);
    if (amount > limit) amount = limit;
    if (amount <= 0n) return undefined;
  } else {
    if (amount > market.idle) amount = market.idle;
    if (amount <= 0n) return undefined;
  }
  const { cost, swapCost } = moveCost(market, pool, amount, base);
  if (m.direction === "withdraw") {
    // Leaving the whole position takes its dust too.
    const units = amount >= market.balance(pool, t) ? held : toUnits(amount) > held ? held : toUnits(amount);
    market.units.set(pool.poolId, held - units);
    market.idle += amount - cost;
  } else {
    market.idle -= amount;
    market.units.set(pool.poolId, held + toUnits(amount - cost));
  }
  return { amount, cost, swapCost };
}

/**
 * Applies moves (withdrawals first) with slippage and charges `gasUnits` at the current gas price.
 * Withdrawals are limited to what can leave now; deposits to the idle cash. Returns what happened.
 */
export function applyRebalance(market: SimMarket, moves: readonly Move[], gasUnits: bigint): AppliedRebalance {
  const t = market.t;
  const { decimals } = market.opts;
  const base = market.basePrice(t);
  const byId = new Map(market.pools.map((p) => [p.poolId, p]));
  const done: Move[] = [];
  const deltas: Record<string, number> = {};
  let slippageUsd = 0;
  let swapCostUsd = 0;
  const ordered = [...moves].sort((a, b) => (a.direction === b.direction ? 0 : a.direction === "withdraw" ? -1 : 1));
  for (const m of ordered) {
    const pool = byId.get(m.sourceId);
    if (!pool || m.amount <= 0n) continue;
    const moved = applyMove(market, m, pool, base);
    if (!moved) continue;
    const { amount, cost, swapCost } = moved;
    slippageUsd += toFloat(cost, decimals) * base;
    swapCostUsd += toFloat(swapCost, decimals) * base;
    const sign = m.direction === "withdraw" ? -1 : 1;
    deltas[pool.poolId] = (deltas[pool.poolId] ?? 0) + sign * toFloat(amount, decimals);
    done.push({ ...m, amount });
  }
  const gasUsd = done.length > 0 ? Number(gasUnits) * market.prices.paidGasGwei(t) * 1e-9 * market.prices.eth(t) : 0;
  market.gasUsd += gasUsd;
  const gasBase = gasUsd / base;
  market.gasBase += gasBase;
  const applied: AppliedRebalance = { t, moves: done, gasUsd, gasBase, slippageUsd, swapCostUsd, deltas };
  if (done.length > 0) market.rebalances.push(applied);
  return applied;
}
