import {
  type AbstractSigner,
  resolveAddress,
  Transaction,
  type TransactionLike,
  type TransactionRequest,
} from "ethers";
import { KeelError } from "../../domain/errors.ts";

/**
 * The unsigned transaction a signer is asked to sign, for the key at `address`: a populated request, or
 * the `Transaction` object ethers' own `sendTransaction` passes (every contract call: pause, unpause, Safe
 * execute). A `Transaction` keeps its fields behind accessors, so it is cloned (`Transaction.from` reads
 * each accessor), never spread (a spread loses chainId, nonce, data). A `from` of another key is refused.
 */
export async function unsignedTransaction(
  tx: TransactionRequest | Transaction,
  signer: AbstractSigner,
  address: string,
): Promise<Transaction> {
  const mismatch = () =>
    new KeelError("SIGNER_MISMATCH", "transaction from does not match the signing key", { retryable: false });
  if (tx instanceof Transaction) {
    if (tx.from !== null && tx.from.toLowerCase() !== address.toLowerCase()) throw mismatch();
    return tx.clone();
  }
  const to = tx.to == null ? undefined : await resolveAddress(tx.to, signer.provider);
  const from = tx.from == null ? undefined : await resolveAddress(tx.from, signer.provider);
  if (from !== undefined && from.toLowerCase() !== address.toLowerCase()) throw mismatch();
  const like = { ...tx, ...(to === undefined ? {} : { to }) } as Record<string, unknown>;
  delete like.from;
  return Transaction.from(like as unknown as TransactionLike<string>);
}
