import type { Move, Plan } from "../../domain/decision.ts";
import type { Snapshot, SourceKind } from "../../domain/snapshot.ts";
import type { GasEstimator } from "../../ports/execution.ts";

/** Gas per rebalance transaction and per leg, by kind of source (see `strategy.gasModel`). */
export interface GasModelOptions {
  readonly baseGas: number;
  readonly depositGas: Readonly<Record<SourceKind, number>>;
  readonly withdrawGas: Readonly<Record<SourceKind, number>>;
}

/** Gas units of a set of moves under the per-move model; zero moves cost nothing. */
export function modelGasUnits(
  moves: readonly Pick<Move, "sourceId" | "direction">[],
  kindOf: (sourceId: string) => SourceKind,
  model: GasModelOptions,
): bigint {
  if (moves.length === 0) return 0n;
  let gas = model.baseGas;
  for (const m of moves) {
    const kind = kindOf(m.sourceId);
    gas += m.direction === "deposit" ? model.depositGas[kind] : model.withdrawGas[kind];
  }
  return BigInt(gas);
}

/**
 * A `GasEstimator` from the per-move model: what the backtester uses instead of simulating calldata.
 * Sources missing from the snapshot are costed as lending legs.
 */
export function createModelGasEstimator(model: GasModelOptions): GasEstimator {
  return {
    async estimateGas(plan: Plan, snapshot: Snapshot): Promise<bigint> {
      const kinds = new Map(snapshot.sources.map((s) => [s.id, s.kind]));
      return modelGasUnits(plan.moves, (id) => kinds.get(id) ?? "lending", model);
    },
  };
}
