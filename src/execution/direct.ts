import type { Action } from "../domain/decision.ts";
import type { IntentRecord, IntentRoute } from "../domain/intent.ts";
import type { ReceiptView } from "../ports/chainReader.ts";
import type { Executor, Intent } from "../ports/execution.ts";
import { inFlightError, revertError } from "./errors.ts";
import { feeCapRetry } from "./feeRetry.ts";
import { type Broadcast, driveToSent, type LifecycleDeps, move, publicBroadcast, storedRequest } from "./lifecycle.ts";
import { waitForAnyReceipt } from "./receipts.ts";
import { reconcileIntent } from "./reconcile.ts";
import type { ReplacePolicy } from "./replace.ts";
import { finalise, reopenVanished } from "./settle.ts";

/** Options of the direct route. */
export interface DirectExecutorOptions {
  /** KeelAllocator address. */
  readonly allocator: string;
  /** Extra gas over the GasVerdict's units, in bps (simulation is not exact). */
  readonly gasLimitBufferBps?: number;
  /** How long to wait for the receipt before reporting `sent` (unknown is not failure). */
  readonly receiptTimeoutMs?: number;
  readonly receiptPollMs?: number;
  /** Confirmations before an included intent is final. */
  readonly confirmations?: number;
  /**
   * Re-price a stuck transaction at the same nonce (or cancel it when the call would now revert). Its
   * fee cap is also the ceiling for re-signing a send the node refused for its cap (`feeCapRetry`).
   */
  readonly replace?: ReplacePolicy;
}

/** Fees and gas for a rebalance request from the intent's GasVerdict (gas units plus a buffer, when known). */
export function feeFields(
  intent: Intent,
  bufferBps: number,
): { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; gasLimit?: bigint } {
  const g = intent.gas;
  return {
    maxFeePerGas: g.maxFeePerGasWei,
    maxPriorityFeePerGas: g.maxPriorityFeePerGasWei,
    ...(g.gasUnits > 0n ? { gasLimit: g.gasUnits + (g.gasUnits * BigInt(bufferBps)) / 10_000n } : {}),
  };
}

/** The Action that reports a stored intent. */
export function actionOf(rec: IntentRecord, route: Action["route"] = rec.route): Action {
  const status: Action["status"] =
    rec.state === "included" || rec.state === "final"
      ? "included"
      : rec.state === "failed" || rec.state === "replaced" || rec.state === "cancelled"
        ? "failed"
        : "sent";
  const hashes = rec.includedTx ? [rec.includedTx] : rec.txs.map((t) => t.hash);
  return {
    route,
    intentId: rec.id,
    txHashes: hashes,
    status,
    ...(rec.block === undefined ? {} : { block: rec.block }),
  };
}

/**
 * Settles every other unfinished intent first (reopening final ones the chain forgot); an intent
 * that stays in flight blocks new ones.
 */
export async function settleOthers(
  lc: LifecycleDeps,
  intentId: string,
  confirmations: number,
  resend?: Broadcast,
  replace?: ReplacePolicy,
): Promise<void> {
  await reopenVanished(lc);
  for (const rec of lc.store.unfinished()) {
    if (rec.id === intentId || rec.route === "safe") continue;
    const out = await reconcileIntent(lc, rec, {
      confirmations,
      ...(resend ? { resend } : {}),
      ...(replace ? { replace } : {}),
    });
    if (out.state === "signed" || out.state === "sent" || out.state === "planned") throw inFlightError(out);
  }
}

/**
 * The call an intent makes: the allocator's `rebalance(keccak(id), moves, commitment)`, or for a re-range the v3
 * position adapter's `rerange(tickLower, tickUpper)` (the adapter checks the keeper role and its range bounds).
 */
export function callOf(lc: Pick<LifecycleDeps, "encoder" | "allocator">, intent: Intent): { to: string; data: string } {
  const r = intent.plan.rerange;
  if (r) return { to: r.sourceId, data: lc.encoder.encodeRerange(r.tickLower, r.tickUpper) };
  return { to: lc.allocator, data: lc.encoder.encodeRebalance(intent.id, intent.plan.moves, intent.commitment) };
}

/** Creates the write-ahead record of an intent (idempotent by id), with the request it will send. */
export async function createRecord(
  lc: LifecycleDeps,
  intent: Intent,
  route: IntentRoute,
  gasLimitBufferBps: number,
): Promise<IntentRecord> {
  const chainId = await lc.chain.chainId();
  const { to, data } = callOf(lc, intent);
  const fees = feeFields(intent, gasLimitBufferBps);
  if (fees.gasLimit == null) {
    // Fix the gas limit now, so signing (and re-signing a bump) never needs an estimate.
    const units = await lc.chain.estimateGas({ from: await lc.signer.address(), to, data });
    fees.gasLimit = units + (units * BigInt(gasLimitBufferBps)) / 10_000n;
  }
  const r = intent.plan.rerange;
  return lc.store.create({
    id: intent.id,
    onchainId: lc.encoder.intentIdOf(intent.id),
    decisionId: intent.decisionId,
    route,
    moves: intent.plan.moves.map((m) => ({
      sourceId: m.sourceId,
      direction: m.direction,
      amount: m.amount.toString(),
    })),
    ...(r ? { rerange: { sourceId: r.sourceId, tickLower: r.tickLower, tickUpper: r.tickUpper } } : {}),
    request: storedRequest({ to, data, chainId, ...fees }),
  });
}

/** Turns a mined failed receipt into EXECUTION_REVERTED with the decoded error (and records it). */
export async function failMined(lc: LifecycleDeps, rec: IntentRecord, receipt: ReceiptView): Promise<never> {
  const from = await lc.signer.address();
  const data = rec.request?.data ?? "0x";
  const decoded = await lc.chain.minedRevert(receipt, { from, to: rec.request?.to ?? lc.allocator, data });
  const e = revertError("receipt", decoded, { txHash: receipt.hash, block: receipt.block });
  await move(lc, rec.id, "failed", {
    includedTx: receipt.hash,
    block: receipt.block,
    error: { code: e.code, message: e.message },
  });
  throw e;
}

/**
 * An intent id the chain already shows executed (a restart after the send): recorded included and
 * finalised, never sent again. Undefined when the chain shows nothing.
 */
export async function alreadyExecuted(
  lc: LifecycleDeps,
  intent: Intent,
  route: IntentRoute,
  bufferBps: number,
  confirmations: number,
): Promise<IntentRecord | undefined> {
  // A re-range carries no intent id on chain: its stored, signed transaction (one nonce) is what makes it happen once.
  if (intent.plan.rerange) return undefined;
  const earlier = await lc.chain.findRebalanced(lc.encoder.intentIdOf(intent.id));
  if (!earlier) return undefined;
  lc.logger?.warn({ intentId: intent.id, txHash: earlier.txHash }, "intent already executed on chain");
  const rec = await createRecord(lc, intent, route, bufferBps);
  const included = await move(lc, rec.id, "included", { includedTx: earlier.txHash, block: earlier.block });
  return finalise(lc, included, confirmations);
}

/**
 * The direct route: records the intent (write-ahead, with its request), simulates
 * `allocator.rebalance(keccak(intent.id), moves)` from the keeper, reserves a nonce, signs, stores the
 * raw transaction, broadcasts it with the GasVerdict's EIP-1559 fees and waits for the receipt. A send
 * the node refuses for its fee cap is re-signed at the same nonce with a raised cap, up to the replace
 * policy's fee ceiling (`feeCapRetry`; FEE_CEILING_REACHED, retryable, past it). An
 * intent id already used on chain is reported as included, never sent again. Reverts are decoded and
 * thrown as EXECUTION_REVERTED (not retryable; a pause is terminal). While an earlier intent is still
 * unsettled, INTENT_IN_FLIGHT (retryable) is thrown instead of sending a new one.
 */
export function createDirectRoute(opts: DirectExecutorOptions, lc: LifecycleDeps): Executor {
  const bufferBps = opts.gasLimitBufferBps ?? 2_000;
  const confirmations = opts.confirmations ?? 1;
  const broadcast = opts.replace
    ? feeCapRetry(lc, publicBroadcast(lc), { ceilingWei: opts.replace.maxFeePerGasWei })
    : publicBroadcast(lc);

  return {
    async execute(intent: Intent, signal: AbortSignal): Promise<Action> {
      await settleOthers(lc, intent.id, confirmations, undefined, opts.replace);
      const known = lc.store.get(intent.id);
      if (known && known.state !== "planned") {
        return actionOf(await reconcileIntent(lc, known, { confirmations }), "direct");
      }
      const earlier = await alreadyExecuted(lc, intent, "direct", bufferBps, confirmations);
      if (earlier) return actionOf(earlier, "direct");
      let rec = await createRecord(lc, intent, "direct", bufferBps);
      signal.throwIfAborted();
      rec = await driveToSent(lc, rec, broadcast, signal);
      if (rec.state !== "sent") return actionOf(rec, "direct");
      await lc.failpoint?.("before-receipt", signal);
      const receipt = await waitForAnyReceipt(
        lc.chain,
        rec.txs.map((t) => t.hash),
        { timeoutMs: opts.receiptTimeoutMs ?? 120_000, pollMs: opts.receiptPollMs ?? 500, signal },
      );
      if (!receipt) {
        lc.logger?.warn({ intentId: intent.id, nonce: rec.nonce }, "no receipt yet");
        return actionOf(rec, "direct");
      }
      if (!receipt.success) await failMined(lc, rec, receipt);
      rec = await move(lc, rec.id, "included", { includedTx: receipt.hash, block: receipt.block });
      rec = await finalise(lc, rec, confirmations);
      lc.logger?.info({ intentId: intent.id, txHash: receipt.hash, block: receipt.block }, "rebalance included");
      return actionOf(rec, "direct");
    },
  };
}
