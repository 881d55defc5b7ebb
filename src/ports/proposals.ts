import type { Action } from "../domain/decision.ts";
import type { Intent } from "./execution.ts";

/** One open Safe proposal for the API / dashboard. */
export interface PendingProposalRow {
  safeTxHash: string;
  decisionId: string;
  nonce: number;
  state: string;
  confirmations: number;
  summary: string;
  createdAt: number;
  stale: boolean;
}

/** The multisig route (a Safe and its transaction service): proposals signers approve. */
export interface ProposalService {
  /** Proposes the intent (idempotent by intent id) and reports it. */
  propose(intent: Intent, signal: AbortSignal): Promise<Action>;
  /** Re-simulates open proposals (rate-limits itself by block); returns how many are open. */
  review(): Promise<number>;
  /** Open proposals with their signature count. */
  open(): PendingProposalRow[];
}
