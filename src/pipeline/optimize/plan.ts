import { mulDiv, sum, toFloat } from "../../domain/amounts.ts";
import type { Move } from "../../domain/decision.ts";
import type { Snapshot } from "../../domain/snapshot.ts";
import type { AllocationProblem } from "./problem.ts";

/** Moves realising target weights, and what they change, per source. */
export interface MovePlan {
  /** Withdrawals first, then deposits. */
  readonly moves: Move[];
  /** Weights after the moves (the rest is idle). */
  readonly targetWeights: Record<string, number>;
  /** Signed change per source in whole base-asset units (float, for modelling), in `ids` order. */
  readonly deltaUnits: number[];
}

const WEIGHT_SCALE = 1_000_000_000_000n;

/**
 * Turns target weights into bigint moves: withdrawals (capped by `maxWithdraw`) first, then deposits
 * funded by idle + withdrawals above the min idle buffer (scaled down pro rata when short); moves
 * smaller than `minMoveUnits` whole units are skipped.
 */
export function movesFromWeights(
  snapshot: Snapshot,
  ids: readonly string[],
  weights: readonly number[],
  opts: { decimals: number; minMoveUnits: number; minIdleWeight: number },
): MovePlan {
  const total = snapshot.vault.totalAssets;
  const minMove =
    BigInt(Math.ceil(opts.minMoveUnits * 10 ** Math.min(opts.decimals, 6))) *
    10n ** BigInt(Math.max(opts.decimals - 6, 0));
  const byId = new Map(snapshot.sources.map((s) => [s.id, s]));
  const withdrawals: Move[] = [];
  const wantDeposits: { id: string; amount: bigint }[] = [];
  const after = new Map<string, bigint>();
  ids.forEach((id, i) => {
    const src = byId.get(id);
    if (!src) return;
    const w = Math.min(Math.max(weights[i] ?? 0, 0), 1);
    const target = mulDiv(total, BigInt(Math.round(w * 1e12)), WEIGHT_SCALE);
    after.set(id, src.balance);
    if (target < src.balance) {
      let amount = src.balance - target;
      if (amount > src.maxWithdraw) amount = src.maxWithdraw;
      // A full exit takes the dust too; otherwise skip moves below the minimum.
      if (target === 0n || amount >= minMove) {
        if (amount > 0n) {
          withdrawals.push({ sourceId: id, direction: "withdraw", amount });
          after.set(id, src.balance - amount);
        }
      }
    } else if (target - src.balance >= minMove && target > src.balance) {
      wantDeposits.push({ id, amount: target - src.balance });
    }
  });
  const minIdle = mulDiv(total, BigInt(Math.ceil(opts.minIdleWeight * 1e12)), WEIGHT_SCALE);
  const available = snapshot.vault.idle + sum(withdrawals.map((m) => m.amount)) - minIdle;
  const wanted = sum(wantDeposits.map((d) => d.amount));
  const deposits: Move[] = [];
  if (available > 0n && wanted > 0n) {
    for (const d of wantDeposits) {
      const amount = wanted > available ? mulDiv(d.amount, available, wanted) : d.amount;
      if (amount >= minMove && amount > 0n) {
        deposits.push({ sourceId: d.id, direction: "deposit", amount });
        after.set(d.id, (after.get(d.id) ?? 0n) + amount);
      }
    }
  }
  const totalF = toFloat(total, opts.decimals);
  const targetWeights: Record<string, number> = {};
  const deltaUnits = ids.map((id) => {
    const src = byId.get(id);
    const bal = after.get(id) ?? 0n;
    targetWeights[id] = totalF > 0 ? toFloat(bal, opts.decimals) / totalF : 0;
    const before = src?.balance ?? 0n;
    return bal >= before ? toFloat(bal - before, opts.decimals) : -toFloat(before - bal, opts.decimals);
  });
  return { moves: [...withdrawals, ...deposits], targetWeights, deltaUnits };
}

/** Gain of the moves versus staying over the horizon, USD: median, pessimistic (P10), slippage. */
export function gainOfMoves(
  problem: AllocationProblem,
  deltaUnits: readonly number[],
  basePriceUsd: number,
): { gainP50Usd: number; gainP10Usd: number; slippageUsd: number } {
  const deltaUsd = deltaUnits.map((d) => d * basePriceUsd);
  let slippageUsd = 0;
  let p50 = 0;
  deltaUsd.forEach((d, i) => {
    slippageUsd += (Math.abs(d) * (d > 0 ? (problem.costIn[i] ?? 0) : (problem.costOut[i] ?? 0))) / 100;
    p50 += (d * (problem.mu[i] ?? 0)) / 100;
  });
  const outcomes = problem.scenarios
    .map((row) => row.reduce((acc, r, i) => acc + ((deltaUsd[i] ?? 0) * r) / 100, 0))
    .sort((a, b) => a - b);
  const p10 = outcomes.length > 0 ? (outcomes[Math.floor(0.1 * (outcomes.length - 1))] ?? p50) : p50;
  return { gainP50Usd: p50 - slippageUsd, gainP10Usd: Math.min(p10, p50) - slippageUsd, slippageUsd };
}
