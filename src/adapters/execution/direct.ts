import type { AbstractSigner, Provider, TransactionReceipt, TransactionRequest } from "ethers";
import type { Logger } from "pino";
import type { Action } from "../../domain/decision.ts";
import type { Executor, Intent } from "../../ports/execution.ts";
import { failpoint as runtimeFailpoint } from "../../runtime/failpoint.ts";
import { type AllocatorCodec, createAllocatorCodec, revertDataOf } from "./allocatorCodec.ts";
import { revertError, translateSendError } from "./errors.ts";
import { findRebalanced } from "./events.ts";
import { type IntentRecord, type IntentRoute, NONCE_RELEASED } from "./intentRecord.ts";
import type { IntentStore } from "./intentStore.ts";
import {
  type Broadcast,
  driveToSent,
  type ExecutionMetrics,
  type FailpointName,
  finalise,
  inFlightError,
  type LifecycleDeps,
  move,
  publicBroadcast,
  reopenVanished,
  storedRequest,
} from "./lifecycle.ts";
import { openMemoryIntentStore } from "./memoryStore.ts";
import { createNonceManager, type NonceManager } from "./nonceManager.ts";
import { minedRevertData, waitForAnyReceipt } from "./receipts.ts";
import { reconcileIntent } from "./reconcile.ts";
import type { ReplacePolicy } from "./replace.ts";

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
  /** Re-price a stuck transaction at the same nonce (or cancel it when the call would now revert). */
  readonly replace?: ReplacePolicy;
}

/** Ports of the direct route. Without a store, an in-memory one is used (tests, dry tools). */
export interface DirectExecutorDeps {
  /** The keeper signer, connected to `provider`. */
  readonly signer: AbstractSigner;
  readonly provider: Provider;
  readonly codec?: AllocatorCodec;
  readonly logger?: Logger;
  readonly store?: IntentStore;
  readonly nonces?: NonceManager;
  readonly metrics?: ExecutionMetrics;
  readonly failpoint?: (name: FailpointName, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

/** Fills in fees and gas for a rebalance request from the intent's GasVerdict. */
export function feeFields(
  intent: Intent,
  bufferBps: number,
): Pick<TransactionRequest, "type" | "gasLimit" | "maxFeePerGas" | "maxPriorityFeePerGas"> {
  const g = intent.gas;
  return {
    type: 2,
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

/** Lifecycle ports with defaults filled in (the nonce manager counts the nonces the store's intents hold). */
export function lifecycleDeps(opts: { allocator: string }, deps: DirectExecutorDeps): LifecycleDeps {
  const store = deps.store ?? openMemoryIntentStore(deps.now ?? Date.now);
  const heldNonces = async (address: string) =>
    store
      .list((r) => !NONCE_RELEASED.has(r.state) && r.from?.toLowerCase() === address.toLowerCase())
      .flatMap((r) => (r.nonce === undefined ? [] : [r.nonce]));
  return {
    signer: deps.signer,
    provider: deps.provider,
    store,
    nonces: deps.nonces ?? createNonceManager({ provider: deps.provider, heldNonces }),
    codec: deps.codec ?? createAllocatorCodec(),
    allocator: opts.allocator,
    now: deps.now ?? Date.now,
    failpoint: deps.failpoint ?? runtimeFailpoint,
    ...(deps.logger ? { logger: deps.logger.child({ module: "execution" }) } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
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

/** Creates the write-ahead record of an intent (idempotent by id), with the request it will send. */
export async function createRecord(
  lc: LifecycleDeps,
  intent: Intent,
  route: IntentRoute,
  gasLimitBufferBps: number,
): Promise<IntentRecord> {
  const chainId = (await lc.provider.getNetwork()).chainId;
  const data = lc.codec.encodeRebalance(intent.id, intent.plan.moves, intent.commitment);
  const fees = feeFields(intent, gasLimitBufferBps);
  if (fees.gasLimit == null) {
    // Fix the gas limit now, so signing (and re-signing a bump) never needs an estimate.
    let units: bigint;
    try {
      units = await lc.provider.estimateGas({ from: await lc.signer.getAddress(), to: lc.allocator, data });
    } catch (err) {
      throw translateSendError(err, lc.codec, "simulate");
    }
    fees.gasLimit = units + (units * BigInt(gasLimitBufferBps)) / 10_000n;
  }
  const request = { to: lc.allocator, data, chainId, ...fees };
  return lc.store.create({
    id: intent.id,
    onchainId: lc.codec.intentIdOf(intent.id),
    decisionId: intent.decisionId,
    route,
    moves: intent.plan.moves.map((m) => ({
      sourceId: m.sourceId,
      direction: m.direction,
      amount: m.amount.toString(),
    })),
    request: storedRequest(request),
  });
}

/** Turns a mined failed receipt into EXECUTION_REVERTED with the decoded error (and records it). */
export async function failMined(lc: LifecycleDeps, rec: IntentRecord, receipt: TransactionReceipt): Promise<never> {
  const from = await lc.signer.getAddress();
  const data = rec.request?.data ?? "0x";
  const revertData = await minedRevertData(lc.provider, receipt, { from, to: lc.allocator, data }, revertDataOf);
  const e = revertError("receipt", lc.codec.decodeRevert(revertData), {
    txHash: receipt.hash,
    block: receipt.blockNumber,
  });
  await move(lc, rec.id, "failed", {
    includedTx: receipt.hash,
    block: receipt.blockNumber,
    error: { code: e.code, message: e.message },
  });
  throw e;
}

/**
 * The direct route: records the intent (write-ahead, with its request), simulates
 * `allocator.rebalance(keccak(intent.id), moves)` from the keeper, reserves a nonce, signs, stores the
 * raw transaction, broadcasts it with the GasVerdict's EIP-1559 fees and waits for the receipt. An
 * intent id already used on chain is reported as included, never sent again. Reverts are decoded and
 * thrown as EXECUTION_REVERTED (not retryable; a pause is terminal). While an earlier intent is still
 * unsettled, INTENT_IN_FLIGHT (retryable) is thrown instead of sending a new one.
 */
export function createDirectExecutor(opts: DirectExecutorOptions, deps: DirectExecutorDeps): Executor {
  const lc = lifecycleDeps(opts, deps);
  const { provider, codec, store } = lc;
  const bufferBps = opts.gasLimitBufferBps ?? 2_000;
  const confirmations = opts.confirmations ?? 1;
  const broadcast = publicBroadcast(lc);

  return {
    async execute(intent: Intent, signal: AbortSignal): Promise<Action> {
      await settleOthers(lc, intent.id, confirmations, undefined, opts.replace);
      const known = store.get(intent.id);
      if (known && known.state !== "planned") {
        return actionOf(await reconcileIntent(lc, known, { confirmations }), "direct");
      }
      const earlier = await findRebalanced(provider, codec, opts.allocator, codec.intentIdOf(intent.id));
      let rec = await createRecord(lc, intent, "direct", bufferBps);
      if (earlier) {
        lc.logger?.warn({ intentId: intent.id, txHash: earlier.txHash }, "intent already executed on chain");
        rec = await move(lc, rec.id, "included", { includedTx: earlier.txHash, block: earlier.block });
        return actionOf(await finalise(lc, rec, confirmations), "direct");
      }
      signal.throwIfAborted();
      rec = await driveToSent(lc, rec, broadcast, signal);
      if (rec.state !== "sent") return actionOf(rec, "direct");
      await lc.failpoint?.("before-receipt", signal);
      const receipt = await waitForAnyReceipt(
        provider,
        rec.txs.map((t) => t.hash),
        { timeoutMs: opts.receiptTimeoutMs ?? 120_000, pollMs: opts.receiptPollMs ?? 500, signal },
      );
      if (!receipt) {
        lc.logger?.warn({ intentId: intent.id, nonce: rec.nonce }, "no receipt yet");
        return actionOf(rec, "direct");
      }
      if (receipt.status !== 1) await failMined(lc, rec, receipt);
      rec = await move(lc, rec.id, "included", { includedTx: receipt.hash, block: receipt.blockNumber });
      rec = await finalise(lc, rec, confirmations);
      lc.logger?.info({ intentId: intent.id, txHash: receipt.hash, block: receipt.blockNumber }, "rebalance included");
      return actionOf(rec, "direct");
    },
  };
}
