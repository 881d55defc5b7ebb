import { KeelError } from "../domain/errors.ts";
import type { IntentRecord, IntentState } from "../domain/intent.ts";
import type { IntentStore } from "../ports/intentStore.ts";

/**
 * States after which nothing more happens — unless the chain forgets a final transaction (a reorg
 * deeper than the confirmation depth, a devnet revert): that intent goes back to `sent`.
 */
export const TERMINAL_STATES: ReadonlySet<IntentState> = new Set(["final", "replaced", "cancelled", "failed"]);

/**
 * Intents in these states no longer hold their nonce. Every other one does — a final one too, even when
 * the chain forgot it (a deep reorg): it is resent, its nonce never handed to another intent.
 */
export const NONCE_RELEASED: ReadonlySet<IntentState> = new Set(["replaced", "cancelled", "failed"]);

/**
 * The nonces `address`'s intents in the store still hold (`NonceManagerDeps.heldNonces`). Kept here, not in
 * nonces.ts, so that module's one export is the nonce manager the chaos test swaps for a seeded mutant.
 */
export function storeHeldNonces(store: Pick<IntentStore, "list">): (address: string) => Promise<number[]> {
  return async (address) =>
    store
      .list((r) => !NONCE_RELEASED.has(r.state) && r.from?.toLowerCase() === address.toLowerCase())
      .flatMap((r) => (r.nonce === undefined ? [] : [r.nonce]));
}

/** The state machine: every state and the states it may move to. */
export const INTENT_EDGES: Readonly<Record<IntentState, readonly IntentState[]>> = {
  planned: ["planned", "signed", "sent", "cancelled", "failed", "included"],
  signed: ["signed", "sent", "included", "replaced", "cancelled", "failed"],
  sent: ["signed", "sent", "included", "replaced", "cancelled", "failed"],
  // A mined transaction can vanish (reorg / snapshot revert): back to sent.
  included: ["included", "final", "sent"],
  // Deeper than the confirmation depth: the nonce is free again and the same signed tx is resent.
  final: ["sent"],
  replaced: [],
  cancelled: [],
  failed: [],
};

/** True when the state machine allows `from → to`. */
export function canTransition(from: IntentState, to: IntentState): boolean {
  return INTENT_EDGES[from].includes(to);
}

/**
 * The record after `cur → to` with `patch`, stamped `now`; INTENT_BAD_TRANSITION (not retryable) when
 * the state machine does not allow the edge. Every intent store applies transitions through this.
 */
export function applyTransition(
  cur: IntentRecord,
  to: IntentState,
  patch: Partial<Omit<IntentRecord, "id" | "state">>,
  now: number,
): IntentRecord {
  if (!canTransition(cur.state, to)) {
    throw new KeelError("INTENT_BAD_TRANSITION", `intent ${cur.id} cannot go from ${cur.state} to ${to}`, {
      context: { intentId: cur.id, from: cur.state, to },
    });
  }
  return { ...cur, ...patch, id: cur.id, state: to, updatedAt: now };
}

/** The error a store throws for an id it does not hold. */
export function unknownIntent(id: string): KeelError {
  return new KeelError("INTENT_UNKNOWN", `no intent ${id} in the store`, { context: { intentId: id } });
}
