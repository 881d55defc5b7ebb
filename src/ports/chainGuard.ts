import type { Reason } from "../domain/reasons.ts";

/**
 * Whether the chain may be acted on now: chain access and head health (stale, stalled, disputed, no
 * quorum) as halt reasons — empty = go. The kill-switch itself is enforced on chain (a paused vault
 * reverts every rebalance, decoded as a terminal pause).
 */
export interface ChainGuard {
  executionStops(): Promise<Reason[]>;
}
