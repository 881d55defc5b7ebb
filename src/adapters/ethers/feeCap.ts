import type { Overrides, Provider } from "ethers";
import { isFeeCapTooLow } from "./nodeErrors.ts";

/** Sends after a fee-cap refusal, each with twice the previous cap (the cap bounds, it is not the price paid). */
const FEE_CAP_RETRIES = 3;

async function raisedCap(provider: Provider | null | undefined, attempt: number): Promise<Overrides> {
  const fee = await provider?.getFeeData();
  if (!fee?.maxFeePerGas || fee.maxPriorityFeePerGas === null) return {};
  return { maxFeePerGas: fee.maxFeePerGas << BigInt(attempt), maxPriorityFeePerGas: fee.maxPriorityFeePerGas };
}

/**
 * Calls `send` with ethers' own fee fields, and again with fresh fee data and a doubled cap (up to
 * FEE_CAP_RETRIES times) when the node refused the transaction for its fee cap: the next block's base
 * fee jumped above it, and an automining node refuses where a mempool would wait. A refusal means the
 * node took nothing, so the same nonce is used again. Other errors, and the last refusal, are thrown.
 * For operator sends (pause, a Safe's execTransaction), not the keeper's, which has its own fee policy.
 */
export async function sendRaisingFeeCap<T>(
  provider: Provider | null | undefined,
  send: (overrides: Overrides) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(attempt === 0 ? {} : await raisedCap(provider, attempt));
    } catch (err) {
      if (attempt >= FEE_CAP_RETRIES || !isFeeCapTooLow(err)) throw err;
    }
  }
}
