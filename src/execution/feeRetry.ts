import { KeelError } from "../domain/errors.ts";
import type { IntentRecord } from "../domain/intent.ts";
import { type Broadcast, type LifecycleDeps, move, requestOf, signAndStore } from "./lifecycle.ts";

/** Re-signs after a fee-cap refusal at most this many times per send (each at least doubles the cap). */
export const FEE_CAP_RETRIES = 4;

/** How a send answers a node that refused its fee cap (below the next block's base fee). */
export interface FeeCapRetryPolicy {
  /** Never sign a cap above this (strategy.maxGasPriceGwei, in wei). */
  readonly ceilingWei: bigint;
  /** Re-signs at most this many times (default FEE_CAP_RETRIES). */
  readonly attempts?: number;
}

/**
 * The cap to sign after the node refused `refusedWei`: at least twice it, and at least twice the next
 * block's base fee plus the tip when the node says what that is, clamped to the ceiling. Undefined
 * when no cap within the ceiling can pass: the ceiling is already reached, or lies below the base fee.
 */
export function raisedFeeCap(
  refusedWei: bigint,
  priorityWei: bigint,
  nextBaseFeeWei: bigint | undefined,
  ceilingWei: bigint,
): bigint | undefined {
  if (nextBaseFeeWei !== undefined && nextBaseFeeWei > ceilingWei) return undefined;
  const fresh = nextBaseFeeWei === undefined ? 0n : 2n * nextBaseFeeWei + priorityWei;
  const want = fresh > 2n * refusedWei ? fresh : 2n * refusedWei;
  const cap = want < ceilingWei ? want : ceilingWei;
  return cap > refusedWei ? cap : undefined;
}

/** The error of a send that stays refused with no cap left to try within the ceiling. */
function ceilingError(rec: IntentRecord, ceilingWei: bigint, nextBaseFeeWei: bigint | undefined): KeelError {
  return new KeelError(
    "FEE_CEILING_REACHED",
    "the node refuses the fee cap and no cap within the fee ceiling (strategy.maxGasPriceGwei) passes the next base fee",
    {
      retryable: true,
      context: {
        intentId: rec.id,
        nonce: rec.nonce ?? null,
        refusedCapWei: rec.txs.at(-1)?.maxFeePerGasWei ?? null,
        ceilingWei: ceilingWei.toString(),
        nextBaseFeeWei: nextBaseFeeWei?.toString() ?? null,
      },
    },
  );
}

/**
 * Wraps a public broadcast: when the node refuses the transaction's fee cap (FEE_CAP_TOO_LOW: the next
 * block's base fee is above it; an automining node refuses where a mempool would wait), the same
 * request is signed again at the SAME nonce with a raised cap (`raisedFeeCap`, within the ceiling)
 * and sent again. When no cap within the ceiling can pass, the intent is cancelled — every copy was
 * refused, so nothing of it can land and its nonce is handed back — and FEE_CEILING_REACHED (retryable;
 * the next tick decides again on fresh fees) is thrown; past the retry budget, the same with the
 * node's FEE_CAP_TOO_LOW.
 */
export function feeCapRetry(lc: LifecycleDeps, inner: Broadcast, policy: FeeCapRetryPolicy): Broadcast {
  const attempts = policy.attempts ?? FEE_CAP_RETRIES;
  return async (start, raw, signal) => {
    let rec = start;
    let current = raw;
    for (let attempt = 0; ; attempt++) {
      try {
        return await inner(rec, current, signal);
      } catch (err) {
        const last = rec.txs.at(-1);
        if (!(err instanceof KeelError && err.code === "FEE_CAP_TOO_LOW") || !last || !rec.request) throw err;
        const nextBase = await lc.chain.nextBaseFee();
        const prio = BigInt(last.maxPriorityFeePerGasWei);
        const cap =
          attempt < attempts
            ? raisedFeeCap(BigInt(last.maxFeePerGasWei), prio, nextBase, policy.ceilingWei)
            : undefined;
        if (cap === undefined) {
          // Every copy was refused: nothing of the intent can land. Cancelled, its nonce handed back.
          const e = attempt < attempts ? ceilingError(rec, policy.ceilingWei, nextBase) : err;
          await move(lc, rec.id, "cancelled", { error: { code: e.code, message: e.message } });
          throw e;
        }
        lc.logger?.warn(
          { intentId: rec.id, nonce: rec.nonce, refusedCapWei: last.maxFeePerGasWei, capWei: cap.toString() },
          "fee cap refused by the node; re-signed at the same nonce with a raised cap",
        );
        const request = { ...requestOf(rec.request), maxFeePerGas: cap, maxPriorityFeePerGas: prio < cap ? prio : cap };
        const signed = await signAndStore(lc, rec, request, signal);
        rec = signed.rec;
        current = signed.tx.raw;
      }
    }
  };
}
