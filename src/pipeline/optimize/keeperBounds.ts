import type { RiskVerdict } from "../../domain/decision.ts";
import { type Reason, reason } from "../../domain/reasons.ts";
import type { KeeperBounds, Snapshot } from "../../domain/snapshot.ts";
import { type MovePlan, movesFromWeights } from "./plan.ts";
import type { AllocationProblem } from "./problem.ts";

/**
 * Headroom kept inside the allocator's bounds: yield accrues and shares round between the snapshot
 * and the block the rebalance lands in, so planning exactly at a bound would revert.
 */
export const KEEPER_BOUND_MARGIN_BPS = 25;

/**
 * The verdict tightened by the bounds the allocator enforces on the keeper (read from the chain):
 * per-adapter caps and the minimum idle buffer. Without on-chain bounds (backtests) it is unchanged.
 */
export function withKeeperBounds(verdict: RiskVerdict, bounds: KeeperBounds | undefined): RiskVerdict {
  if (!bounds) return verdict;
  const margin = KEEPER_BOUND_MARGIN_BPS / 10_000;
  const caps: Record<string, number> = {};
  for (const [id, cap] of Object.entries(verdict.caps)) {
    const onchain = bounds.adapterCapBps[id];
    caps[id] = onchain === undefined ? cap : Math.max(0, Math.min(cap, onchain / 10_000 - margin));
  }
  return { ...verdict, caps, minIdleWeight: Math.max(verdict.minIdleWeight, bounds.minIdleBps / 10_000 + margin) };
}

/** The largest total of move amounts one rebalance may carry (base units), or undefined when unbounded. */
export function maxMoveUnits(snapshot: Snapshot): bigint | undefined {
  const b = snapshot.keeperBounds;
  if (!b || b.maxMoveBps >= 10_000) return undefined;
  return (snapshot.vault.totalAssets * BigInt(Math.max(0, b.maxMoveBps - KEEPER_BOUND_MARGIN_BPS))) / 10_000n;
}

/** Weights a fraction `f` of the way from `current` to `target` (to shrink a plan's turnover). */
export function partWay(current: readonly number[], target: readonly number[], f: number): number[] {
  return target.map((t, i) => (current[i] ?? 0) + f * (t - (current[i] ?? 0)));
}

/**
 * One rebalance may move only so much (`maxMoveUnits`): a plan over the limit goes part of the way
 * (the rest waits for the next tick), with a `MOVE_LIMIT` reason.
 */
export function withinMoveLimit(
  snapshot: Snapshot,
  problem: Pick<AllocationProblem, "ids" | "current">,
  plan: MovePlan,
  moveOpts: Parameters<typeof movesFromWeights>[3],
): { plan: MovePlan; shortened?: Reason } {
  const moveLimit = maxMoveUnits(snapshot);
  let mp = plan;
  let shortened: Reason | undefined;
  for (let i = 0; moveLimit !== undefined && i < 4; i++) {
    const moved = mp.moves.reduce((acc, m) => acc + m.amount, 0n);
    if (moved <= moveLimit || moved === 0n) break;
    const f = (Number(moveLimit) / Number(moved)) * 0.99;
    const weights = partWay(
      problem.current,
      problem.ids.map((id) => mp.targetWeights[id] ?? 0),
      f,
    );
    mp = movesFromWeights(snapshot, problem.ids, weights, moveOpts);
    shortened = reason("MOVE_LIMIT", "plan shortened to the allocator's per-rebalance move limit", {
      value: Number(moved),
      limit: Number(moveLimit),
    });
  }
  return shortened ? { plan: mp, shortened } : { plan: mp };
}

/** Target weights as moves (`movesFromWeights`) within the move limit; a shortened plan's reason is added to `reasons`. */
export function limitedMoves(
  snapshot: Snapshot,
  problem: Pick<AllocationProblem, "ids" | "current">,
  weights: readonly number[],
  moveOpts: Parameters<typeof movesFromWeights>[3],
  reasons: Reason[],
): MovePlan {
  const limited = withinMoveLimit(
    snapshot,
    problem,
    movesFromWeights(snapshot, problem.ids, weights, moveOpts),
    moveOpts,
  );
  if (limited.shortened) reasons.push(limited.shortened);
  return limited.plan;
}
