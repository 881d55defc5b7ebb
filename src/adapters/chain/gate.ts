import { type Reason, reason } from "../../domain/reasons.ts";
import type { ChainGuard } from "../../ports/chainGuard.ts";
import type { ChainProvider } from "./provider.ts";

/**
 * Why no new intent may be made right now, as halt reasons (empty = go): degraded chain access
 * (`RPC_DEGRADED`), or a head that is stale, stalled, disputed between endpoints or without a quorum
 * (`HEAD_STALE`, `HEAD_STALLED`, `RPC_HEAD_DISAGREE`, `RPC_NO_QUORUM`). Observe-only mode in one call,
 * for the execute gate (and `/readyz`).
 */
export async function chainExecutionGate(provider: ChainProvider): Promise<Reason[]> {
  const reasons: Reason[] = [];
  if (provider.health().degraded) {
    reasons.push(reason("RPC_DEGRADED", "chain access degraded: observe only", { severity: "halt" }));
  }
  const head = await provider.checkHead();
  reasons.push(...head.reasons);
  return reasons;
}

/** The chain guard port over the resilient provider (`chainExecutionGate`). */
export function createChainGuard(provider: ChainProvider): ChainGuard {
  return { executionStops: () => chainExecutionGate(provider) };
}
