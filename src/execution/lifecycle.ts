import { KeelError } from "../domain/errors.ts";
import type { IntentRecord, IntentState, SignedTx, StoredRequest } from "../domain/intent.ts";
import type { ChainReader, RebalanceEncoder } from "../ports/chainReader.ts";
import type { IntentStore } from "../ports/intentStore.ts";
import type { LogSink } from "../ports/log.ts";
import type { PublicBroadcaster, TxRequest, TxSigner } from "../ports/txSender.ts";
import { NONCE_RELEASED } from "./intentStates.ts";
import type { NonceManager } from "./nonces.ts";
import { settleFromChain } from "./settle.ts";

/** Named points where crash tests kill the process (`KEEL_FAILPOINT`). */
export type FailpointName = "after-nonce" | "after-sign" | "after-broadcast" | "before-receipt";

/** Metrics the execution layer moves (a subset of the daemon's typed metrics object). */
export interface ExecutionMetrics {
  readonly intents?: { inc(labels: { state: string }): void };
  readonly pendingIntents?: { set(value: number): void };
  readonly bundleAttempts?: { inc(labels: { result: string }): void };
  readonly pendingProposals?: { set(value: number): void };
}

/** The ports every sending route shares. */
export interface LifecycleDeps {
  readonly signer: TxSigner;
  readonly chain: ChainReader;
  readonly broadcaster: PublicBroadcaster;
  readonly store: IntentStore;
  readonly nonces: NonceManager;
  readonly encoder: RebalanceEncoder;
  readonly allocator: string;
  readonly logger?: LogSink;
  readonly metrics?: ExecutionMetrics;
  /** Crash-test hook (the runtime's `failpoint`); absent = no-op. */
  readonly failpoint?: (name: FailpointName, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
}

/** The unsigned part of a transaction: everything but sender and nonce. */
export type UnsignedTx = Omit<TxRequest, "from" | "nonce">;

/** Sends a signed raw transaction on the intent's route; returns the record in state `sent` (or settled). */
export type Broadcast = (rec: IntentRecord, raw: string, signal?: AbortSignal) => Promise<IntentRecord>;

/**
 * Moves an intent and counts the new state. An intent ending in a state that no longer holds its nonce
 * (failed, cancelled, replaced) hands its reservation back to the nonce manager: when nothing of it
 * was broadcast, the next intent takes that nonce instead of leaving a gap the chain never fills.
 */
export async function move(
  deps: Pick<LifecycleDeps, "store" | "metrics"> & { readonly nonces?: Pick<NonceManager, "release"> },
  id: string,
  to: IntentState,
  patch: Partial<Omit<IntentRecord, "id" | "state">> = {},
): Promise<IntentRecord> {
  const rec = await deps.store.transition(id, to, patch);
  if (NONCE_RELEASED.has(to) && rec.from !== undefined && rec.nonce !== undefined) {
    deps.nonces?.release(rec.from, rec.nonce);
  }
  deps.metrics?.intents?.inc({ state: to });
  deps.metrics?.pendingIntents?.set(deps.store.unfinished().length);
  return rec;
}

/** The unsigned request, as stored (decimal strings). */
export function storedRequest(req: UnsignedTx): StoredRequest {
  return {
    to: req.to,
    data: req.data,
    chainId: req.chainId.toString(),
    ...(req.gasLimit == null ? {} : { gasLimit: req.gasLimit.toString() }),
    maxFeePerGasWei: req.maxFeePerGas.toString(),
    maxPriorityFeePerGasWei: req.maxPriorityFeePerGas.toString(),
  };
}

/** The stored request back as a transaction to sign. */
export function requestOf(s: StoredRequest): UnsignedTx {
  return {
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
  const from = await deps.signer.address();
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
  request: UnsignedTx,
  signal?: AbortSignal,
  kind?: "cancel",
): Promise<{ rec: IntentRecord; tx: SignedTx }> {
  if (rec.nonce === undefined || rec.from === undefined) throw new Error("signAndStore: nonce not reserved");
  const signed = await deps.signer.sign({ ...request, from: rec.from, nonce: rec.nonce });
  const tx: SignedTx = {
    hash: signed.hash,
    raw: signed.raw,
    maxFeePerGasWei: signed.maxFeePerGas.toString(),
    maxPriorityFeePerGasWei: signed.maxPriorityFeePerGas.toString(),
    at: deps.now(),
    ...(kind ? { kind } : {}),
  };
  const next = await move(deps, rec.id, "signed", { txs: [...rec.txs, tx] });
  signal?.throwIfAborted();
  return { rec: next, tx };
}

/**
 * Broadcasts a stored raw transaction to the public mempool (direct route). "Already known" is
 * success; a used nonce is resolved by looking for our own hashes and the intent's event first.
 */
export function publicBroadcast(deps: LifecycleDeps): Broadcast {
  return async (rec, raw, signal) => {
    const outcome = await deps.broadcaster.sendRaw(raw);
    if (outcome === "nonce-used") {
      const settled = await settleFromChain(deps, rec);
      if (settled) return settled;
      return move(deps, rec.id, "replaced", {
        error: { code: "NONCE_TAKEN", message: "the intent's nonce was used by another transaction" },
      });
    }
    const next = await move(deps, rec.id, "sent");
    await deps.failpoint?.("after-broadcast", signal);
    return next;
  };
}

/** Ends the intent as failed with `e` recorded, and returns `e` to throw. */
async function failWith(deps: LifecycleDeps, id: string, e: KeelError): Promise<KeelError> {
  await move(deps, id, "failed", { error: { code: e.code, message: e.message } });
  return e;
}

/** Refuses to spend a nonce on a transaction whose worst-case fee the keeper cannot pay. */
async function checkFunds(deps: LifecycleDeps, rec: IntentRecord, request: StoredRequest, from: string): Promise<void> {
  const need = BigInt(request.gasLimit ?? "0") * BigInt(request.maxFeePerGasWei);
  const balance = await deps.chain.balance(from);
  if (balance >= need) return;
  const context = { balanceWei: balance.toString(), needWei: need.toString() };
  const e = new KeelError("KEEPER_INSUFFICIENT_FUNDS", "keeper balance below the worst-case fee of the rebalance", {
    retryable: true,
    context,
  });
  deps.logger?.error({ intentId: rec.id, ...context }, "keeper out of gas money");
  throw await failWith(deps, rec.id, e);
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
  const from = await deps.signer.address();
  try {
    await deps.chain.simulate({ from, to: rec.request.to, data: rec.request.data });
  } catch (err) {
    throw await failWith(deps, rec.id, asKeelError(err, "EXECUTION_FAILED"));
  }
  signal?.throwIfAborted();
  await checkFunds(deps, rec, rec.request, from);
  let cur = await reserveNonce(deps, rec, signal);
  let signed: Awaited<ReturnType<typeof signAndStore>>;
  try {
    signed = await signAndStore(deps, cur, requestOf(rec.request), signal);
  } catch (err) {
    const e = asKeelError(err, "SIGNER_FAILED");
    // A signer that is down (KMS throttled) leaves the intent planned, its nonce reserved, to be
    // resumed; anything else ends it. Nothing left the process either way.
    if (e.retryable) throw e;
    throw await failWith(deps, cur.id, e);
  }
  await deps.failpoint?.("after-sign", signal);
  cur = await broadcast(signed.rec, signed.tx.raw, signal);
  deps.logger?.info({ intentId: cur.id, txHash: signed.tx.hash, nonce: cur.nonce }, "intent sent");
  return cur;
}

/** A KeelError as is; anything else (a port broke its contract) wrapped as `code`, retryable. */
export function asKeelError(err: unknown, code: string): KeelError {
  if (err instanceof KeelError) return err;
  return new KeelError(code, err instanceof Error ? err.message : String(err), { retryable: true });
}
