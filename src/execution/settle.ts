import type { IntentRecord } from "../domain/intent.ts";
import { type LifecycleDeps, move } from "./lifecycle.ts";

/**
 * Looks for the chain's verdict on an intent: a receipt of any of its hashes, or its `Rebalanced`
 * event (whoever sent it). Marks it included (or failed on a mined revert) and returns it; undefined
 * when the chain shows nothing yet.
 */
export async function settleFromChain(deps: LifecycleDeps, rec: IntentRecord): Promise<IntentRecord | undefined> {
  const event = await deps.chain.findRebalanced(rec.onchainId);
  if (event) return move(deps, rec.id, "included", { includedTx: event.txHash, block: event.block });
  for (const tx of rec.txs) {
    const receipt = await deps.chain.receipt(tx.hash);
    if (!receipt) continue;
    const at = { includedTx: receipt.hash, block: receipt.block };
    if (tx.kind === "cancel") {
      return move(deps, rec.id, "cancelled", {
        ...at,
        error: { code: "CANCELLED", message: "replaced by a same-nonce no-op" },
      });
    }
    if (receipt.success) return move(deps, rec.id, "included", at);
    return move(deps, rec.id, "failed", {
      ...at,
      error: { code: "EXECUTION_REVERTED", message: "the intent's transaction reverted on chain" },
    });
  }
  return undefined;
}

/** Marks an included intent final once it has `confirmations` blocks on top (or back to sent if it vanished). */
export async function finalise(deps: LifecycleDeps, rec: IntentRecord, confirmations: number): Promise<IntentRecord> {
  if (rec.state !== "included" || !rec.includedTx) return rec;
  const receipt = await deps.chain.receipt(rec.includedTx);
  if (!receipt) {
    const event = await deps.chain.findRebalanced(rec.onchainId);
    if (event) return move(deps, rec.id, "included", { includedTx: event.txHash, block: event.block });
    return move(deps, rec.id, "sent", { error: { code: "TX_VANISHED", message: "included transaction vanished" } });
  }
  const head = await deps.chain.head();
  if (head - receipt.block + 1 >= confirmations) return move(deps, rec.id, "final", { block: receipt.block });
  return rec;
}

/**
 * Reopens final intents the chain has forgotten: their nonce is free again (the chain's mined nonce
 * is at or below it) and their event is gone. Each goes back to `sent`, so it holds its nonce and
 * blocks new intents until the same signed transaction lands again — never a new intent, never its
 * nonce handed to another.
 */
export async function reopenVanished(deps: LifecycleDeps): Promise<void> {
  const from = (await deps.signer.address()).toLowerCase();
  const finals = deps.store.list(
    (r) => r.state === "final" && r.nonce !== undefined && r.txs.length > 0 && r.from?.toLowerCase() === from,
  );
  if (finals.length === 0) return;
  const mined = await deps.nonces.minedNonce(from);
  for (const rec of finals) {
    if ((rec.nonce as number) < mined) continue;
    if (await deps.chain.findRebalanced(rec.onchainId)) continue;
    await move(deps, rec.id, "sent", {
      error: { code: "TX_VANISHED", message: "final transaction vanished from the chain; its nonce is free again" },
    });
    deps.logger?.warn({ intentId: rec.id, nonce: rec.nonce, minedNonce: mined }, "final intent vanished; resending");
  }
}
