import type { Move, Plan } from "../../domain/decision.ts";
import type { Snapshot, SourceKind } from "../../domain/snapshot.ts";
import type { GasEstimator } from "../../ports/execution.ts";

/** Gas per rebalance transaction and per leg, by kind of source (see `strategy.gasModel`). */
export interface GasModelOptions {
  readonly baseGas: number;
  readonly depositGas: Readonly<Record<SourceKind, number>>;
  readonly withdrawGas: Readonly<Record<SourceKind, number>>;
  /** Extra gas of a swap leg's deposit or withdrawal (its swap), on top of the lending leg. */
  readonly swapGas: number;
}

/** Gas of one leg under the per-move model. */
export function legGas(
  kind: SourceKind,
  direction: Move["direction"],
  swapLeg: boolean,
  model: GasModelOptions,
): number {
  return (direction === "deposit" ? model.depositGas[kind] : model.withdrawGas[kind]) + (swapLeg ? model.swapGas : 0);
}

/** Gas units of a set of moves under the per-move model (swap legs pay `swapGas` more); zero moves cost nothing. */
export function modelGasUnits(
  moves: readonly Pick<Move, "sourceId" | "direction">[],
  kindOf: (sourceId: string) => SourceKind,
  model: GasModelOptions,
  isSwapLeg: (sourceId: string) => boolean = () => false,
): bigint {
  if (moves.length === 0) return 0n;
  let gas = model.baseGas;
  for (const m of moves) gas += legGas(kindOf(m.sourceId), m.direction, isSwapLeg(m.sourceId), model);
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
      const swaps = new Set(snapshot.sources.filter((s) => s.swap !== undefined).map((s) => s.id));
      return modelGasUnits(
        plan.moves,
        (id) => kinds.get(id) ?? "lending",
        model,
        (id) => swaps.has(id),
      );
    },
  };
}
