import type { IntentRecord } from "../domain/intent.ts";
import type { RebalanceEncoder } from "../ports/chainReader.ts";
import type { Intent } from "../ports/execution.ts";
import type { IntentStore } from "../ports/intentStore.ts";
import { type ExecutionMetrics, move } from "./lifecycle.ts";

/** What a proposal's intent needs: the store, the encoder for its on-chain id, metrics. */
export interface ProposalIntentDeps {
  readonly store: IntentStore;
  readonly encoder: Pick<RebalanceEncoder, "intentIdOf">;
  readonly metrics?: ExecutionMetrics;
}

/** How the Safe ended a proposal (from its ExecutionSuccess/Failure event, or a nonce used by another). */
export interface ProposalOutcome {
  readonly status: "pending" | "stale" | "executed" | "rejected" | "failed";
  readonly reason?: string;
  readonly txHash?: string;
  readonly block?: number;
}

/**
 * Records a Safe proposal's intent before the proposal is stored (write-ahead): created planned, then
 * `sent` with its safeTxHash — it is out of the keeper's hands, waiting for signers.
 */
export async function recordProposal(
  deps: ProposalIntentDeps,
  intent: Intent,
  safeTxHash: string,
): Promise<IntentRecord> {
  const rec = await deps.store.create({
    id: intent.id,
    onchainId: deps.encoder.intentIdOf(intent.id),
    decisionId: intent.decisionId,
    route: "safe",
    moves: intent.plan.moves.map((m) => ({
      sourceId: m.sourceId,
      direction: m.direction,
      amount: m.amount.toString(),
    })),
  });
  return move(deps, rec.id, "sent", { safeTxHash });
}

/**
 * Ends a proposal's intent by the Safe's verdict: executed → included then final (the Safe's own
 * execution is its confirmation), rejected → replaced (its Safe nonce went to another transaction),
 * failed → failed. Open outcomes and intents already ended are left alone.
 */
export async function endProposalIntent(
  deps: Omit<ProposalIntentDeps, "encoder">,
  intentId: string,
  outcome: ProposalOutcome,
): Promise<IntentRecord | undefined> {
  const rec = deps.store.get(intentId);
  if (!rec || rec.state === "final" || rec.state === "replaced" || rec.state === "failed") return rec;
  if (outcome.status === "executed") {
    await move(deps, rec.id, "included", {
      ...(outcome.txHash ? { includedTx: outcome.txHash } : {}),
      ...(outcome.block === undefined ? {} : { block: outcome.block }),
    });
    return move(deps, rec.id, "final");
  }
  if (outcome.status === "rejected") {
    return move(deps, rec.id, "replaced", {
      error: { code: "PROPOSAL_REJECTED", message: outcome.reason ?? "another transaction used the Safe nonce" },
    });
  }
  if (outcome.status === "failed") {
    return move(deps, rec.id, "failed", { error: { code: "PROPOSAL_FAILED", message: outcome.reason ?? "failed" } });
  }
  return rec;
}
