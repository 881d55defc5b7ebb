import { KeelError } from "../domain/errors.ts";
import type { IntentRecord } from "../domain/intent.ts";
import { TERMINAL_STATES } from "./intentStates.ts";
import { type Broadcast, driveToSent, type LifecycleDeps, move, publicBroadcast } from "./lifecycle.ts";
import { waitForAnyReceipt } from "./receipts.ts";
import { type ReplacePolicy, replaceStuck } from "./replace.ts";
import { finalise, reopenVanished, settleFromChain } from "./settle.ts";

/** Options of reconciliation. */
export interface ReconcileOptions {
  /** Confirmations before an included intent is final. */
  readonly confirmations: number;
  /** How long start-up waits for rebroadcast intents to land before giving up (they stay pending). */
  readonly settleTimeoutMs?: number;
  readonly pollMs?: number;
  /** Accept chain history without a store (operator's explicit decision after a loss of state). */
  readonly adoptChainHistory?: boolean;
  /** Blocks to scan for our `Rebalanced` events when judging history. */
  readonly lookbackBlocks?: number;
  /**
   * Re-sends a stored raw transaction on the intent's own route. The direct route broadcasts it;
   * the bundle route re-submits it to the relays (never the public mempool unless allowed).
   */
  readonly resend?: Broadcast;
  /** A planned (unsigned) intent younger than this is resumed after a restart; older ones are cancelled. */
  readonly resumeWindowMs?: number;
  /** Re-price stuck transactions at the same nonce (direct route). */
  readonly replace?: ReplacePolicy;
}

/** What reconciliation did, by outcome. */
export interface ReconcileSummary {
  checked: number;
  included: number;
  final: number;
  rebroadcast: number;
  replaced: number;
  cancelled: number;
  failed: number;
  /** Still unsettled when reconciliation returned (no new intent until they settle). */
  pending: number;
  storeStatus: string;
}

/** Resend errors about the transaction, not the node: settled from the chain instead of stopping start-up. */
const REFUSED_AT_RESEND: ReadonlySet<string> = new Set(["EXECUTION_REVERTED", "FEE_CAP_TOO_LOW"]);

/**
 * Brings one unfinished intent in line with the chain: included/final when any of its hashes mined
 * or its event exists; cancelled when it was never signed; replaced when its nonce was used by a
 * transaction that is not ours; otherwise the same raw transaction is sent again (never re-signed
 * under a new nonce).
 */
export async function reconcileIntent(
  deps: LifecycleDeps,
  rec: IntentRecord,
  opts: ReconcileOptions,
): Promise<IntentRecord> {
  if (TERMINAL_STATES.has(rec.state)) return rec;
  if (rec.state === "included") return finalise(deps, rec, opts.confirmations);
  const settled = await settleFromChain(deps, rec);
  if (settled) return settled.state === "included" ? finalise(deps, settled, opts.confirmations) : settled;
  const resend = opts.resend ?? publicBroadcast(deps);
  const last = rec.txs.at(-1);
  if (!last || rec.nonce === undefined || rec.from === undefined) {
    if (rec.request && deps.now() - rec.createdAt <= (opts.resumeWindowMs ?? 600_000)) {
      // Never signed: nothing can be on chain, so finishing it is the only way it happens once.
      try {
        return await driveToSent(deps, rec, resend);
      } catch {
        return deps.store.get(rec.id) ?? rec;
      }
    }
    return move(deps, rec.id, "cancelled", { error: { code: "NEVER_SIGNED", message: "stopped before signing" } });
  }
  const mined = await deps.nonces.minedNonce(rec.from);
  if (mined > rec.nonce) {
    return move(deps, rec.id, "replaced", {
      error: { code: "NONCE_TAKEN", message: "the intent's nonce was used by another transaction" },
    });
  }
  if (opts.replace && rec.route === "direct") {
    const replaced = await replaceStuck(deps, rec, opts.replace, resend);
    if (replaced !== rec) return replaced;
  }
  try {
    return await resend(rec, last.raw);
  } catch (err) {
    if (!(err instanceof KeelError && REFUSED_AT_RESEND.has(err.code))) throw err;
    // The node judged the transaction itself, not the connection. Automining nodes (Hardhat) execute a
    // raw transaction on arrival and report its revert while mining it as failed, or refuse a fee cap
    // below the next base fee: the receipt decides. Without one the intent stays in flight, to be
    // replaced (re-priced) or cancelled at its nonce; neither is a reason to refuse to start.
    const settled = await settleFromChain(deps, rec);
    deps.logger?.warn(
      { intentId: rec.id, nonce: rec.nonce, code: err.code, mined: settled !== undefined },
      err.message,
    );
    return settled ?? rec;
  }
}

async function chainShowsHistory(deps: LifecycleDeps, opts: ReconcileOptions): Promise<boolean> {
  const keeper = await deps.signer.address();
  if ((await deps.nonces.minedNonce(keeper)) > 0) return true;
  return deps.chain.hasRebalancedBy(keeper, opts.lookbackBlocks ?? 50_000);
}

/**
 * Start-up reconciliation, run under the process lock before the first tick. Fails closed
 * (INTENT_STORE_UNRECONCILED, not retryable) when the store was missing or corrupt while the chain
 * shows the keeper's history, unless `adoptChainHistory` is set. Final intents the chain forgot are
 * reopened, then every unfinished intent is reconciled; rebroadcast ones are given `settleTimeoutMs` to land.
 */
export async function reconcileOnStart(opts: ReconcileOptions, deps: LifecycleDeps): Promise<ReconcileSummary> {
  const { store } = deps;
  const log = deps.logger?.child({ step: "reconcile" });
  const summary: ReconcileSummary = {
    checked: 0,
    included: 0,
    final: 0,
    rebroadcast: 0,
    replaced: 0,
    cancelled: 0,
    failed: 0,
    pending: 0,
    storeStatus: store.openStatus,
  };
  if (store.openStatus !== "loaded") {
    if ((await chainShowsHistory(deps, opts)) && !opts.adoptChainHistory) {
      log?.error(
        { store: store.path, status: store.openStatus, quarantined: store.quarantinedTo },
        "intent store lost",
      );
      throw new KeelError(
        "INTENT_STORE_UNRECONCILED",
        `intent store is ${store.openStatus === "fresh" ? "missing" : "corrupt"} but the chain shows the keeper's history; refusing to send (set execution.adoptChainHistory after checking the chain)`,
        { retryable: false, context: { status: store.openStatus, quarantined: store.quarantinedTo ?? null } },
      );
    }
    await store.flush();
  }
  await reopenVanished(deps);
  const rebroadcast: IntentRecord[] = [];
  const checkedIds: string[] = [];
  for (const rec of store.unfinished()) {
    // Safe proposals are reconciled by reviewing them against the Safe (reviewProposals).
    if (rec.route === "safe") continue;
    summary.checked++;
    checkedIds.push(rec.id);
    const out = await reconcileIntent(deps, rec, opts);
    if (out.state === "sent" || out.state === "signed") rebroadcast.push(out);
  }
  summary.rebroadcast = rebroadcast.length;
  for (const rec of rebroadcast) {
    const receipt = await waitForAnyReceipt(
      deps.chain,
      rec.txs.map((t) => t.hash),
      { timeoutMs: opts.settleTimeoutMs ?? 30_000, pollMs: opts.pollMs ?? 250 },
    );
    if (receipt) await reconcileIntent(deps, deps.store.get(rec.id) ?? rec, opts);
  }
  for (const id of checkedIds) {
    const r = store.get(id);
    if (!r) continue;
    if (r.state === "included") summary.included++;
    else if (r.state === "final") summary.final++;
    else if (r.state === "replaced") summary.replaced++;
    else if (r.state === "cancelled") summary.cancelled++;
    else if (r.state === "failed") summary.failed++;
    else summary.pending++;
  }
  deps.metrics?.pendingIntents?.set(store.unfinished().length);
  log?.info(summary, "intents reconciled");
  return summary;
}
