import type { DecisionCommitment } from "../domain/commitment.ts";
import type { Move } from "../domain/decision.ts";

/** A decoded revert: the custom error's name and its arguments rendered as strings. */
export interface DecodedRevert {
  readonly name: string;
  readonly args: readonly string[];
  readonly selector: string;
}

/** A call from an account to a contract. */
export interface CallRequest {
  readonly from: string;
  readonly to: string;
  readonly data: string;
}

/** What the execution core needs of a mined transaction's receipt. */
export interface ReceiptView {
  readonly hash: string;
  readonly block: number;
  /** False when it reverted. */
  readonly success: boolean;
}

/** Where an intent's `Rebalanced` event was found. */
export interface RebalancedEvent {
  readonly txHash: string;
  readonly block: number;
  readonly caller: string;
  /** The decision commitment the rebalance carried (bytes32 words), when the log decodes. */
  readonly commitment?: { readonly snapshotHash: string; readonly modelHash: string; readonly configHash: string };
}

/**
 * The chain as the execution core reads it: nonces, receipts, the allocator's logs, simulation.
 * Node errors reach the core already translated into KeelErrors (one translator, in the adapter):
 * a revert is EXECUTION_REVERTED with the decoded error name in `context.error`.
 */
export interface ChainReader {
  chainId(): Promise<bigint>;
  /** The head block number, uncached. */
  head(): Promise<number>;
  /** The next nonce counting the mempool, uncached. */
  pendingNonce(address: string): Promise<number>;
  /** The chain's latest (mined) nonce: every nonce below it is used. */
  minedNonce(address: string): Promise<number>;
  balance(address: string): Promise<bigint>;
  /** The next block's base fee per gas, uncached; undefined when the node does not say. */
  nextBaseFee(): Promise<bigint | undefined>;
  receipt(hash: string): Promise<ReceiptView | undefined>;
  /** Simulates a call at the head; throws the translated error when it would fail. */
  simulate(call: CallRequest): Promise<void>;
  /** Gas units of a call; throws the translated error when it would fail. */
  estimateGas(call: CallRequest): Promise<bigint>;
  /** The `Rebalanced(onchainIntentId)` event within the last `lookbackBlocks` blocks, if any. */
  findRebalanced(onchainIntentId: string, lookbackBlocks?: number): Promise<RebalancedEvent | undefined>;
  /** True when `caller` rebalanced within the last `lookbackBlocks` blocks. */
  hasRebalancedBy(caller: string, lookbackBlocks: number): Promise<boolean>;
  /** The decoded error of a mined, reverted transaction (trace, else replay of `call`). */
  minedRevert(receipt: ReceiptView, call: CallRequest): Promise<DecodedRevert | undefined>;
}

/** Encodes what the core sends (the allocator's `rebalance`, a v3 adapter's `rerange`). */
export interface RebalanceEncoder {
  /** The on-chain intent id for a decision id. */
  intentIdOf(intentId: string): string;
  encodeRebalance(intentId: string, moves: readonly Move[], commitment?: DecisionCommitment): string;
  /** A Uniswap v3 position adapter's `rerange(tickLower, tickUpper)` calldata. */
  encodeRerange(tickLower: number, tickUpper: number): string;
}
