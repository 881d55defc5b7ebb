/** Durable state of one intent: what the execution layer promised to do and how far it got. */

/** planned → signed → sent → included → final, or one of the terminal ends. */
export type IntentState = "planned" | "signed" | "sent" | "included" | "final" | "replaced" | "cancelled" | "failed";

/** How an intent is carried out. */
export type IntentRoute = "direct" | "bundle" | "safe";

/** One signed transaction of an intent (the original and each same-nonce replacement). */
export interface SignedTx {
  readonly hash: string;
  /** The signed raw transaction, stored before it is broadcast. */
  readonly raw: string;
  readonly maxFeePerGasWei: string;
  readonly maxPriorityFeePerGasWei: string;
  /** Unix ms when signed. */
  readonly at: number;
  /** A same-nonce no-op that cancels the intent (its receipt means cancelled, not included). */
  readonly kind?: "cancel";
}

/** The unsigned transaction an intent will send (stored at planning, so a restart can resume it). */
export interface StoredRequest {
  readonly to: string;
  readonly data: string;
  readonly chainId: string;
  readonly gasLimit?: string;
  readonly maxFeePerGasWei: string;
  readonly maxPriorityFeePerGasWei: string;
}

/** One intent in the store. Amounts are decimal strings (JSON). */
export interface IntentRecord {
  readonly id: string;
  /** bytes32 passed to `rebalance` (keccak256 of `id`). */
  readonly onchainId: string;
  readonly decisionId: string;
  readonly route: IntentRoute;
  readonly state: IntentState;
  readonly moves: readonly { sourceId: string; direction: "deposit" | "withdraw"; amount: string }[];
  /** A Uniswap v3 position's re-range (then `moves` is empty and the request calls the adapter, not the allocator). */
  readonly rerange?: { readonly sourceId: string; readonly tickLower: number; readonly tickUpper: number };
  readonly request?: StoredRequest;
  /** Signer address and the nonce reserved for this intent (set before signing). */
  readonly from?: string;
  readonly nonce?: number;
  readonly txs: readonly SignedTx[];
  /** Hash and block of the transaction that carried the intent, once seen. */
  readonly includedTx?: string;
  readonly block?: number;
  /** Bundle route: the last block targeted. Safe route: the proposal's safeTxHash. */
  readonly targetBlock?: number;
  readonly safeTxHash?: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly createdAt: number;
  readonly updatedAt: number;
}
