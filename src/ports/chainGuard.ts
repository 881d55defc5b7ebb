import type { Reason } from "../domain/reasons.ts";

/** Whether the chain may be acted on now: head health and access, as halt reasons (empty = go). */
export interface ChainGuard {
  executionStops(): Promise<Reason[]>;
}
