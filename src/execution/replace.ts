import type { IntentRecord } from "../domain/intent.ts";
import { type Broadcast, type LifecycleDeps, signAndStore, type UnsignedTx } from "./lifecycle.ts";

/** When and how far a stuck transaction is re-priced. */
export interface ReplacePolicy {
  /** A sent transaction without a receipt for this long is stuck. */
  readonly stuckAfterMs: number;
  /** Fee bump per replacement, ≥ 1 000 bps (nodes refuse less than +10 %). */
  readonly bumpBps: number;
  /** Absolute cap on maxFeePerGas. */
  readonly maxFeePerGasWei: bigint;
}

function bump(v: bigint, bps: number): bigint {
  return v + (v * BigInt(Math.max(1_000, bps)) + 9_999n) / 10_000n;
}

/**
 * Re-prices a stuck intent at the same nonce. The opportunity is re-checked first: if the stored
 * call would now revert, the nonce is filled with a no-op self-transfer (a cancel) instead. Nothing
 * happens when the bump would pass the fee cap. Returns the record (state `sent` after a send).
 */
export async function replaceStuck(
  deps: LifecycleDeps,
  rec: IntentRecord,
  policy: ReplacePolicy,
  broadcast: Broadcast,
  signal?: AbortSignal,
): Promise<IntentRecord> {
  const last = rec.txs.at(-1);
  if (!last || !rec.request || rec.from === undefined || rec.nonce === undefined) return rec;
  if (deps.now() - last.at < policy.stuckAfterMs) return rec;
  const maxFee = bump(BigInt(last.maxFeePerGasWei), policy.bumpBps);
  const prio = bump(BigInt(last.maxPriorityFeePerGasWei), policy.bumpBps);
  if (maxFee > policy.maxFeePerGasWei) {
    deps.logger?.warn({ intentId: rec.id, nonce: rec.nonce }, "stuck transaction at the fee cap; not bumped");
    return rec;
  }
  let stillValid = last.kind !== "cancel";
  if (stillValid) {
    try {
      await deps.chain.simulate({ from: rec.from, to: rec.request.to, data: rec.request.data });
    } catch {
      stillValid = false;
    }
  }
  const fees = { chainId: BigInt(rec.request.chainId), maxFeePerGas: maxFee, maxPriorityFeePerGas: prio };
  const request: UnsignedTx = stillValid
    ? {
        ...fees,
        to: rec.request.to,
        data: rec.request.data,
        ...(rec.request.gasLimit ? { gasLimit: BigInt(rec.request.gasLimit) } : {}),
      }
    : { ...fees, to: rec.from, value: 0n, data: "0x", gasLimit: 21_000n };
  const signed = await signAndStore(deps, rec, request, signal, stillValid ? undefined : "cancel");
  deps.logger?.warn(
    { intentId: rec.id, nonce: rec.nonce, cancel: !stillValid, maxFeePerGasWei: maxFee.toString() },
    "stuck transaction replaced",
  );
  return broadcast(signed.rec, signed.tx.raw, signal);
}
