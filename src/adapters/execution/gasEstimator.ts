import { id, type Provider } from "ethers";
import type { Plan } from "../../domain/decision.ts";
import type { Snapshot } from "../../domain/snapshot.ts";
import type { GasEstimator } from "../../ports/execution.ts";
import { loadNodeErrors, type NodeErrors } from "../ethers/nodeErrors.ts";
import { type AllocatorCodec, createAllocatorCodec } from "./allocatorCodec.ts";

/** Options: which allocator, and which account the rebalance will come from (the keeper). */
export interface GasEstimatorOptions {
  readonly allocator: string;
  readonly from: string;
}

/** Ports: a provider, and optionally a codec with the artifact ABIs merged in. */
export interface GasEstimatorDeps {
  readonly provider: Provider;
  readonly codec?: AllocatorCodec;
  /** The node-error translator (default: the one loaded from the compiled artifacts). */
  readonly errors?: NodeErrors;
}

/**
 * Gas units for a plan from `eth_estimateGas` of the very calldata the executor will send (a re-range: the
 * adapter's `rerange` from the keeper). A rebalance's intent id is not known yet, so a per-block placeholder id and
 * commitment are used (same calldata size). A revert is thrown as EXECUTION_REVERTED with the decoded error name
 * (the stage decides what "no" it is).
 */
export function createGasEstimator(opts: GasEstimatorOptions, deps: GasEstimatorDeps): GasEstimator {
  const codec = deps.codec ?? createAllocatorCodec();
  return {
    async estimateGas(plan: Plan, snapshot: Snapshot, signal: AbortSignal): Promise<bigint> {
      signal.throwIfAborted();
      if (plan.rerange) {
        // The adapter's own keeper move, simulated from the keeper like the send.
        const { sourceId, tickLower, tickUpper } = plan.rerange;
        const data = codec.encodeRerange(tickLower, tickUpper);
        try {
          return await deps.provider.estimateGas({ from: opts.from, to: sourceId, data });
        } catch (err) {
          throw (deps.errors ?? loadNodeErrors()).translate(err, "estimate");
        }
      }
      if (plan.moves.length === 0) return 0n;
      const placeholder = `keel:gas-estimate:${snapshot.block}:${id(JSON.stringify(plan.moves.map((m) => m.sourceId)))}`;
      // Non-zero commitment words, like the real ones (calldata gas depends on zero bytes).
      const word = placeholder.length.toString(16).padStart(2, "0").repeat(32);
      const data = codec.encodeRebalance(placeholder, plan.moves, {
        snapshotHash: word,
        modelHash: word,
        configHash: word,
      });
      try {
        return await deps.provider.estimateGas({ from: opts.from, to: opts.allocator, data });
      } catch (err) {
        throw (deps.errors ?? loadNodeErrors()).translate(err, "estimate");
      }
    },
  };
}
