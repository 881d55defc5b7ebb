import type { Action } from "../domain/decision.ts";
import { KeelError } from "../domain/errors.ts";
import type { IntentRecord } from "../domain/intent.ts";
import type { Executor, Intent } from "../ports/execution.ts";
import type { BundleRelays } from "../ports/txSender.ts";
import { actionOf, alreadyExecuted, createRecord, failMined, settleOthers } from "./direct.ts";
import { revertError } from "./errors.ts";
import {
  type Broadcast,
  driveToSent,
  type LifecycleDeps,
  move,
  publicBroadcast,
  signAndStore,
  type UnsignedTx,
} from "./lifecycle.ts";
import { waitForHead } from "./receipts.ts";
import { reconcileIntent } from "./reconcile.ts";
import { finalise } from "./settle.ts";

/** Options of the bundle route. */
export interface BundleRouteOptions {
  readonly allocator: string;
  /** Target the next N blocks, then abandon. */
  readonly blocks: number;
  readonly priorityBumpBps: number;
  readonly maxPriorityFeePerGasWei: bigint;
  /** Public mempool after abandonment: off unless configured. */
  readonly allowPublicFallback: boolean;
  /** How long to wait for each target block. */
  readonly blockWaitMs: number;
  readonly pollMs?: number;
  readonly gasLimitBufferBps?: number;
  readonly confirmations?: number;
}

/** The same-nonce request with the priority fee bumped by `bumpBps`; undefined past the cap. */
export function bumpedRequest(rec: IntentRecord, bumpBps: number, capWei: bigint): UnsignedTx | undefined {
  const last = rec.txs.at(-1);
  if (!rec.request || !last) return undefined;
  const prio = BigInt(last.maxPriorityFeePerGasWei);
  const next = prio + (prio * BigInt(bumpBps)) / 10_000n;
  if (next <= prio || next > capWei) return undefined;
  return {
    to: rec.request.to,
    data: rec.request.data,
    chainId: BigInt(rec.request.chainId),
    maxFeePerGas: BigInt(last.maxFeePerGasWei) + (next - prio),
    maxPriorityFeePerGas: next,
    ...(rec.request.gasLimit === undefined ? {} : { gasLimit: BigInt(rec.request.gasLimit) }),
  };
}

/** Simulates on the relays; a revert ends the intent (failed), no relay ever taking it cancels it. */
async function simulateOrEnd(
  lc: LifecycleDeps,
  relays: BundleRelays,
  rec: IntentRecord,
  raw: string,
  target: number,
  accepted: number,
): Promise<void> {
  try {
    const sim = await relays.simulate(raw, target);
    if (!sim.ok) throw revertError("simulate", sim.revert, { route: "bundle" });
  } catch (err) {
    if (err instanceof KeelError && err.code === "EXECUTION_REVERTED") {
      await move(lc, rec.id, "failed", { error: { code: err.code, message: err.message } });
    } else if (err instanceof KeelError && accepted === 0) {
      // No relay ever took it: the signed transaction never left this process.
      await move(lc, rec.id, "cancelled", { error: { code: err.code, message: err.message } });
    }
    throw err;
  }
}

/** The chain's verdict after a target block: included (or a mined revert thrown), else undefined. */
async function landed(lc: LifecycleDeps, rec: IntentRecord): Promise<IntentRecord | undefined> {
  for (const tx of rec.txs) {
    const receipt = await lc.chain.receipt(tx.hash);
    if (!receipt) continue;
    if (!receipt.success) await failMined(lc, rec, receipt);
    lc.metrics?.bundleAttempts?.inc({ result: "included" });
    return move(lc, rec.id, "included", { includedTx: receipt.hash, block: receipt.block });
  }
  const event = await lc.chain.findRebalanced(rec.onchainId);
  return event ? move(lc, rec.id, "included", { includedTx: event.txHash, block: event.block }) : undefined;
}

/**
 * The bundle route's broadcast: each block the intent's signed transaction is simulated on the
 * relays, sent for the next block, and its priority fee bumped (same nonce, within the cap), up to N
 * blocks. Inclusion is judged from receipts and the intent's event, never from the relay. After N
 * blocks the intent is abandoned (cancelled) — and only sent publicly when configured.
 */
export function bundleBroadcast(opts: BundleRouteOptions, lc: LifecycleDeps, relays: BundleRelays): Broadcast {
  const pollMs = opts.pollMs ?? 250;
  return async (start, raw, signal) => {
    let rec = start;
    let current = raw;
    let accepted = 0;
    for (let attempt = 0; attempt < opts.blocks; attempt++) {
      signal?.throwIfAborted();
      const target = (await lc.chain.head()) + 1;
      const request = attempt > 0 ? bumpedRequest(rec, opts.priorityBumpBps, opts.maxPriorityFeePerGasWei) : undefined;
      if (request) {
        const signed = await signAndStore(lc, rec, request, signal);
        rec = signed.rec;
        current = signed.tx.raw;
      }
      await simulateOrEnd(lc, relays, rec, current, target, accepted);
      accepted += await relays.send(current, target);
      const wasSent = rec.state === "sent";
      rec = await move(lc, rec.id, "sent", { targetBlock: target });
      if (!wasSent) await lc.failpoint?.("after-broadcast", signal);
      await waitForHead(lc.chain, target, { timeoutMs: opts.blockWaitMs, pollMs, ...(signal ? { signal } : {}) });
      const done = await landed(lc, rec);
      if (done) return done;
    }
    lc.metrics?.bundleAttempts?.inc({ result: "abandoned" });
    if (opts.allowPublicFallback) {
      lc.logger?.warn({ intentId: rec.id }, "bundle not included; public fallback allowed by config");
      return publicBroadcast(lc)(rec, current, signal);
    }
    lc.logger?.warn({ intentId: rec.id, blocks: opts.blocks }, "bundle not included; intent abandoned");
    return move(lc, rec.id, "cancelled", {
      error: { code: "BUNDLE_NOT_INCLUDED", message: `not included within ${opts.blocks} blocks` },
    });
  };
}

/**
 * The private bundle route: like the direct route up to signing, then `bundleBroadcast`. Returns the
 * broadcast too, for start-up reconciliation (`reconcileOnStart({ resend })`).
 */
export function createBundleRoute(
  opts: BundleRouteOptions,
  lc: LifecycleDeps,
  relays: BundleRelays,
): Executor & { readonly resend: Broadcast } {
  const confirmations = opts.confirmations ?? 1;
  const bufferBps = opts.gasLimitBufferBps ?? 2_000;
  const resend = bundleBroadcast(opts, lc, relays);
  return {
    resend,
    async execute(intent: Intent, signal: AbortSignal): Promise<Action> {
      await settleOthers(lc, intent.id, confirmations, resend);
      const known = lc.store.get(intent.id);
      if (known && known.state !== "planned") {
        return actionOf(await reconcileIntent(lc, known, { confirmations, resend }), "bundle");
      }
      const earlier = await alreadyExecuted(lc, intent, "bundle", bufferBps, confirmations);
      if (earlier) return actionOf(earlier, "bundle");
      let rec = await createRecord(lc, intent, "bundle", bufferBps);
      await relays.ready();
      rec = await driveToSent(lc, rec, resend, signal);
      if (rec.state === "included") rec = await finalise(lc, rec, confirmations);
      return actionOf(rec, "bundle");
    },
  };
}
