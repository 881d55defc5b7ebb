import type { DecodedRevert } from "./chainReader.ts";

/** An EIP-1559 transaction to sign at a reserved nonce. Amounts in wei. */
export interface TxRequest {
  readonly from: string;
  readonly nonce: number;
  readonly to: string;
  readonly data: string;
  readonly chainId: bigint;
  readonly gasLimit?: bigint;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  readonly value?: bigint;
}

/** A signed raw transaction and the fees it was signed with. */
export interface SignedTransaction {
  readonly hash: string;
  readonly raw: string;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

/**
 * The keeper key (a keystore, a raw key or AWS KMS). `sign` never sends; a signer that is down
 * throws a retryable KeelError (KMS throttled), anything else a non-retryable one.
 */
export interface TxSigner {
  address(): Promise<string>;
  sign(request: TxRequest): Promise<SignedTransaction>;
}

/** What a node said to a raw transaction it did not fail on. */
export type BroadcastOutcome = "accepted" | "nonce-used";

/**
 * The public mempool. "Already known" is `accepted`; a nonce the chain has used is `nonce-used`;
 * anything else is thrown as a translated KeelError.
 */
export interface PublicBroadcaster {
  sendRaw(raw: string): Promise<BroadcastOutcome>;
}

/** A relay's simulation of a one-transaction bundle: ok, or the decoded revert of its first failure. */
export type BundleSimulation =
  | { readonly ok: true }
  | { readonly ok: false; readonly revert: DecodedRevert | undefined };

/** Private bundle relays (Flashbots protocol): each call goes to every configured relay. */
export interface BundleRelays {
  /** Throws BUNDLE_NO_RELAY when none is configured (before anything is signed). */
  ready(): Promise<void>;
  /** The first relay that answers simulates; BUNDLE_RELAY_UNAVAILABLE (retryable) when none does. */
  simulate(raw: string, targetBlock: number): Promise<BundleSimulation>;
  /** Sends to every relay for `targetBlock`; returns how many accepted. */
  send(raw: string, targetBlock: number): Promise<number>;
}
