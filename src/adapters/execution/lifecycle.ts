import { type AbstractSigner, isError, type Provider, Transaction, type TransactionRequest } from "ethers";
import type { Logger } from "pino";
import { KeelError } from "../../domain/errors.ts";
import type { AllocatorCodec } from "./allocatorCodec.ts";
import { translateSendError } from "./errors.ts";
import { findRebalanced } from "./events.ts";
import type { IntentRecord, IntentState, SignedTx, StoredRequest } from "./intentRecord.ts";
import type { IntentStore } from "./intentStore.ts";
import type { NonceManager } from "./nonceManager.ts";

/** Named points where crash tests kill the process (`KEEL_FAILPOINT`). */
export type FailpointName = "after-nonce" | "after-sign" | "after-broadcast" | "before-receipt";

/** Metrics the execution layer moves (a subset of the daemon's typed metrics object). */
export interface ExecutionMetrics {
  readonly intents?: { inc(labels: { state: string }): void };
  readonly pendingIntents?: { set(value: number): void };
  readonly bundleAttempts?: { inc(labels: { result: string }): void };
  readonly pendingProposals?: { set(value: number): void };
}

/** What every sending route shares. */
export interface LifecycleDeps {
  readonly signer: AbstractSigner;
  readonly provider: Provider;
  readonly store: IntentStore;
  readonly nonces: NonceManager;
  readonly codec: AllocatorCodec;
  readonly allocator: string;
  readonly logger?: Logger;
  readonly metrics?: ExecutionMetrics;
  /** Crash-test hook (the runtime's `failpoint`); a no-op by default. */
  readonly failpoint?: (name: FailpointName, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
}

/** Sends a signed raw transaction on the intent's route; returns the record in state `sent` (or settled). */
export type Broadcast = (rec: IntentRecord, raw: string, signal?: AbortSignal) => Promise<IntentRecord>;

/** Moves an intent and counts the new state. */
export async function move(
  deps: Pick<LifecycleDeps, "store" | "metrics">,
  id: string,
  to: IntentState,
  patch: Partial<Omit<IntentRecord, "id" | "state">> = {},
): Promise<IntentRecord> {
  const rec = await deps.store.transition(id, to, patch);
  deps.metrics?.intents?.inc({ state: to });
  deps.metrics?.pendingIntents?.set(deps.store.unfinished().length);
  return rec;
}

/** The unsigned request, as stored. */
export function storedRequest(req: TransactionRequest & { to: string; data: string; chainId: bigint }): StoredRequest {
  return {
    to: req.to,
    data: req.data,
    chainId: req.chainId.toString(),
    ...(req.gasLimit == null ? {} : { gasLimit: req.gasLimit.toString() }),
    maxFeePerGasWei: (req.maxFeePerGas ?? 0n).toString(),
    maxPriorityFeePerGasWei: (req.maxPriorityFeePerGas ?? 0n).toString(),
  };
}

function requestOf(s: StoredRequest): TransactionRequest {
  return {
    type: 2,
    to: s.to,
    data: s.data,
    chainId: BigInt(s.chainId),
    maxFeePerGas: BigInt(s.maxFeePerGasWei),
    maxPriorityFeePerGas: BigInt(s.maxPriorityFeePerGasWei),
    ...(s.gasLimit === undefined ? {} : { gasLimit: BigInt(s.gasLimit) }),
  };
}

/**
 * Reserves a nonce for the intent (recorded durably before anything is signed). A reservation the
 * chain has meanwhile used (nothing was signed with it) is replaced by a fresh one.
 */
export async function reserveNonce(
  deps: LifecycleDeps,
  rec: IntentRecord,
  signal?: AbortSignal,
): Promise<IntentRecord> {
  const from = await deps.signer.getAddress();
  if (rec.nonce !== undefined && rec.txs.length === 0 && (await deps.nonces.minedNonce(from)) <= rec.nonce) return rec;
  if (rec.nonce !== undefined && rec.txs.length > 0) return rec;
  const nonce = await deps.nonces.allocate(from);
  const out = await move(deps, rec.id, rec.state, { from, nonce });
  await deps.failpoint?.("after-nonce", signal);
  return out;
}

/** Signs `request` at the intent's nonce and stores the raw transaction before it can be broadcast. */
export async function signAndStore(
  deps: LifecycleDeps,
  rec: IntentRecord,
  request: TransactionRequest,
  signal?: AbortSignal,
  kind?: "cancel",
): Promise<{ rec: IntentRecord; tx: SignedTx }> {
  if (rec.nonce === undefined || rec.from === undefined) throw new Error("signAndStore: nonce not reserved");
  const populated = await deps.signer.populateTransaction({ ...request, from: rec.from, nonce: rec.nonce });
  const raw = await deps.signer.signTransaction(populated);
  const parsed = Transaction.from(raw);
  const tx: SignedTx = {
    hash: parsed.hash ?? "",
    raw,
    maxFeePerGasWei: (parsed.maxFeePerGas ?? 0n).toString(),
    maxPriorityFeePerGasWei: (parsed.maxPriorityFeePerGas ?? 0n).toString(),
    at: deps.now(),
    ...(kind ? { kind } : {}),
  };
  const next = await move(deps, rec.id, "signed", { txs: [...rec.txs, tx] });
  signal?.throwIfAborted();
  return { rec: next, tx };
}

/**
 * Broadcasts a stored raw transaction to the public mempool (direct route). "Already known" is
 * success; "nonce too low" is resolved by looking for our own hashes and the intent's event first.
 */
export function publicBroadcast(deps: LifecycleDeps): Broadcast {
  return async (rec, raw, signal) => {
    try {
      await deps.provider.broadcastTransaction(raw);
    } catch (err) {
      const msg = (err as Error)?.message ?? "";
      if (/already known|already imported|known transaction/i.test(msg)) {
        // the node has it: fine
      } else if (isError(err, "NONCE_EXPIRED") || /nonce too low|nonce has already been used/i.test(msg)) {
        const settled = await settleFromChain(deps, rec);
        if (settled) return settled;
        return move(deps, rec.id, "replaced", {
          error: { code: "NONCE_TAKEN", message: "the intent's nonce was used by another transaction" },
        });
      } else {
        throw translateSendError(err, deps.codec, "send");
      }
    }
    const next = await move(deps, rec.id, "sent");
    await deps.failpoint?.("after-broadcast", signal);
    return next;
  };
}

/**
 * Takes a planned intent to `sent`: simulate the stored request (a revert ends the intent as failed
 * and is thrown), reserve a nonce, sign and store, broadcast. Used for new intents and to resume a
 * planned one after a restart.
 */
export async function driveToSent(
  deps: LifecycleDeps,
  rec: IntentRecord,
  broadcast: Broadcast,
  signal?: AbortSignal,
): Promise<IntentRecord> {
  if (!rec.request) {
    return move(deps, rec.id, "cancelled", { error: { code: "NO_REQUEST", message: "nothing stored to send" } });
  }
  const request = requestOf(rec.request);
  const from = await deps.signer.getAddress();
  try {
    await deps.provider.call({ from, to: rec.request.to, data: rec.request.data });
  } catch (err) {
    const e = translateSendError(err, deps.codec, "simulate");
    await move(deps, rec.id, "failed", { error: { code: e.code, message: e.message } });
    throw e;
  }
  signal?.throwIfAborted();
  // Worst case for this transaction must be payable before a nonce is spent on it.
  const need = BigInt(rec.request.gasLimit ?? "0") * BigInt(rec.request.maxFeePerGasWei);
  const balance = await deps.provider.getBalance(from);
  if (balance < need) {
    const e = new KeelError("KEEPER_INSUFFICIENT_FUNDS", "keeper balance below the worst-case fee of the rebalance", {
      retryable: true,
      context: { balanceWei: balance.toString(), needWei: need.toString() },
    });
    await move(deps, rec.id, "failed", { error: { code: e.code, message: e.message } });
    deps.logger?.error(
      { intentId: rec.id, balanceWei: balance.toString(), needWei: need.toString() },
      "keeper out of gas money",
    );
    throw e;
  }
  let cur = await reserveNonce(deps, rec, signal);
  let signed: Awaited<ReturnType<typeof signAndStore>>;
  try {
    signed = await signAndStore(deps, cur, request, signal);
  } catch (err) {
    const e = err instanceof KeelError ? err : translateSendError(err, deps.codec, "send");
    // A signer that is down (KMS throttled) leaves the intent planned, its nonce reserved, to be
    // resumed; anything else ends it. Nothing left the process either way.
    if (e.retryable) throw e;
    await move(deps, cur.id, "failed", { error: { code: e.code, message: e.message } });
    deps.nonces.resync(from);
    throw e;
  }
  await deps.failpoint?.("after-sign", signal);
  cur = await broadcast(signed.rec, signed.tx.raw, signal);
  deps.logger?.info({ intentId: cur.id, txHash: signed.tx.hash, nonce: cur.nonce }, "intent sent");
  return cur;
}

/**
 * Looks for the chain's verdict on an intent: a receipt of any of its hashes, or its `Rebalanced`
 * event (whoever sent it). Marks it included (or failed on a mined revert) and returns it; undefined
 * when the chain shows nothing yet.
 */
export async function settleFromChain(deps: LifecycleDeps, rec: IntentRecord): Promise<IntentRecord | undefined> {
  const event = await findRebalanced(deps.provider, deps.codec, deps.allocator, rec.onchainId);
  if (event) return move(deps, rec.id, "included", { includedTx: event.txHash, block: event.block });
  for (const tx of rec.txs) {
    const receipt = await deps.provider.getTransactionReceipt(tx.hash);
    if (!receipt) continue;
    if (tx.kind === "cancel") {
      return move(deps, rec.id, "cancelled", {
        includedTx: receipt.hash,
        block: receipt.blockNumber,
        error: { code: "CANCELLED", message: "replaced by a same-nonce no-op" },
      });
    }
    if (receipt.status === 1) {
      return move(deps, rec.id, "included", { includedTx: receipt.hash, block: receipt.blockNumber });
    }
    return move(deps, rec.id, "failed", {
      includedTx: receipt.hash,
      block: receipt.blockNumber,
      error: { code: "EXECUTION_REVERTED", message: "the intent's transaction reverted on chain" },
    });
  }
  return undefined;
}

/** Marks an included intent final once it has `confirmations` blocks on top (or back to sent if it vanished). */
export async function finalise(deps: LifecycleDeps, rec: IntentRecord, confirmations: number): Promise<IntentRecord> {
  if (rec.state !== "included" || !rec.includedTx) return rec;
  const receipt = await deps.provider.getTransactionReceipt(rec.includedTx);
  if (!receipt) {
    const event = await findRebalanced(deps.provider, deps.codec, deps.allocator, rec.onchainId);
    if (event) return move(deps, rec.id, "included", { includedTx: event.txHash, block: event.block });
    return move(deps, rec.id, "sent", { error: { code: "TX_VANISHED", message: "included transaction vanished" } });
  }
  const head = await deps.provider.getBlockNumber();
  if (head - receipt.blockNumber + 1 >= confirmations)
    return move(deps, rec.id, "final", { block: receipt.blockNumber });
  return rec;
}

/**
 * Reopens final intents the chain has forgotten: their nonce is free again (the chain's mined nonce
 * is at or below it) and their event is gone. Each goes back to `sent`, so it holds its nonce and
 * blocks new intents until the same signed transaction lands again — never a new intent, never its
 * nonce handed to another.
 */
export async function reopenVanished(deps: LifecycleDeps): Promise<void> {
  const from = (await deps.signer.getAddress()).toLowerCase();
  const finals = deps.store.list(
    (r) => r.state === "final" && r.nonce !== undefined && r.txs.length > 0 && r.from?.toLowerCase() === from,
  );
  if (finals.length === 0) return;
  const mined = await deps.nonces.minedNonce(from);
  for (const rec of finals) {
    if ((rec.nonce as number) < mined) continue;
    if (await findRebalanced(deps.provider, deps.codec, deps.allocator, rec.onchainId)) continue;
    await move(deps, rec.id, "sent", {
      error: { code: "TX_VANISHED", message: "final transaction vanished from the chain; its nonce is free again" },
    });
    deps.logger?.warn({ intentId: rec.id, nonce: rec.nonce, minedNonce: mined }, "final intent vanished; resending");
  }
}

/** The error a caller gets when an earlier intent is still unsettled: no new intent until it is. */
export function inFlightError(rec: IntentRecord): KeelError {
  return new KeelError("INTENT_IN_FLIGHT", `intent ${rec.id} is still ${rec.state}; no new intent until it settles`, {
    retryable: true,
    context: { intentId: rec.id, state: rec.state, nonce: rec.nonce ?? null },
  });
}
