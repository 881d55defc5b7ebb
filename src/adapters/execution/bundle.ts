import { FlashbotsBundleProvider } from "@flashbots/ethers-provider-bundle";
import type { Provider, Signer, TransactionRequest } from "ethers";
import type { Action } from "../../domain/decision.ts";
import { KeelError } from "../../domain/errors.ts";
import type { Executor, Intent } from "../../ports/execution.ts";
import { actionOf, createRecord, type DirectExecutorDeps, failMined, lifecycleDeps, settleOthers } from "./direct.ts";
import { revertError } from "./errors.ts";
import { findRebalanced } from "./events.ts";
import type { IntentRecord } from "./intentRecord.ts";
import { type Broadcast, driveToSent, finalise, move, publicBroadcast, signAndStore } from "./lifecycle.ts";
import { reconcileIntent } from "./reconcile.ts";

/** Options of the bundle route. */
export interface BundleExecutorOptions {
  readonly allocator: string;
  /** Relay URLs (already read from their secrets). */
  readonly relays: readonly string[];
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

/** Ports: everything the direct route takes, plus the relay auth signer (never the keeper key). */
export interface BundleExecutorDeps extends DirectExecutorDeps {
  readonly authSigner: Signer;
}

/** The chain head, read without ethers' block-number cache. */
async function readHead(provider: Provider): Promise<number> {
  const send = (provider as { send?: (m: string, p: unknown[]) => Promise<unknown> }).send;
  if (typeof send === "function") return Number(BigInt((await send.call(provider, "eth_blockNumber", [])) as string));
  return provider.getBlockNumber();
}

/** Polls until the head reaches `atLeast` or the timeout passes; returns the last head seen. */
async function waitForHead(
  provider: Provider,
  atLeast: number,
  timeoutMs: number,
  pollMs: number,
  signal?: AbortSignal,
): Promise<number> {
  const rounds = Math.ceil(timeoutMs / pollMs) + 1;
  let h = await readHead(provider);
  for (let i = 0; i < rounds && h < atLeast; i++) {
    signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, pollMs));
    h = await readHead(provider);
  }
  return h;
}

/**
 * The private bundle route: the intent's signed transaction is simulated with eth_callBundle, then
 * sent with eth_sendBundle to every relay for the next block; each block it is re-simulated,
 * re-targeted and its priority fee bumped (same nonce, within the cap), up to N blocks. Inclusion is
 * judged from receipts and the intent's event, never from the relay. After N blocks the intent is
 * abandoned (cancelled) with the reason recorded — and only sent publicly when configured.
 */
export function createBundleExecutor(
  opts: BundleExecutorOptions,
  deps: BundleExecutorDeps,
): Executor & {
  /** The route's broadcast, for start-up reconciliation (`reconcileOnStart({ resend })`). */
  readonly resend: Broadcast;
} {
  const lc = lifecycleDeps(opts, deps);
  const { provider, codec, store } = lc;
  const pollMs = opts.pollMs ?? 250;
  const confirmations = opts.confirmations ?? 1;
  const bufferBps = opts.gasLimitBufferBps ?? 2_000;
  let relays: FlashbotsBundleProvider[] | undefined;

  async function relayClients(): Promise<FlashbotsBundleProvider[]> {
    if (relays) return relays;
    if (opts.relays.length === 0)
      throw new KeelError("BUNDLE_NO_RELAY", "bundle route without relays", { retryable: false });
    const network = await provider.getNetwork();
    relays = opts.relays.map(
      (url) => new FlashbotsBundleProvider(provider as never, deps.authSigner as never, url, network as never),
    );
    return relays;
  }

  async function simulateOrThrow(raw: string, target: number): Promise<void> {
    // The first relay that answers simulates; a dead relay is skipped (its error may carry its URL).
    for (const [i, relay] of (await relayClients()).entries()) {
      let sim: Awaited<ReturnType<FlashbotsBundleProvider["simulate"]>>;
      try {
        sim = await relay.simulate([raw], target);
      } catch {
        lc.logger?.warn({ relay: i }, "relay simulation unreachable");
        continue;
      }
      if ("error" in sim) {
        lc.logger?.warn({ relay: i, code: sim.error.code }, "relay refused the simulation");
        continue;
      }
      const revert = sim.firstRevert as { revert?: string } | undefined;
      if (revert) throw revertError("simulate", codec.decodeRevert(revert.revert), { route: "bundle" });
      return;
    }
    throw new KeelError("BUNDLE_RELAY_UNAVAILABLE", "no relay could simulate the bundle", { retryable: true });
  }

  async function sendToRelays(raw: string, target: number): Promise<number> {
    let accepted = 0;
    for (const [i, relay] of (await relayClients()).entries()) {
      try {
        const res = await relay.sendRawBundle([raw], target);
        if ("error" in res) {
          deps.metrics?.bundleAttempts?.inc({ result: "rejected" });
          lc.logger?.warn({ relay: i, code: res.error.code }, "relay rejected bundle");
        } else {
          accepted++;
          deps.metrics?.bundleAttempts?.inc({ result: "sent" });
        }
      } catch {
        // The library's message carries the relay URL: log only which relay.
        deps.metrics?.bundleAttempts?.inc({ result: "error" });
        lc.logger?.warn({ relay: i }, "relay unreachable");
      }
    }
    return accepted;
  }

  function bumped(rec: IntentRecord): TransactionRequest | undefined {
    const last = rec.txs.at(-1);
    if (!rec.request || !last) return undefined;
    const prio = BigInt(last.maxPriorityFeePerGasWei);
    const next = prio + (prio * BigInt(opts.priorityBumpBps)) / 10_000n;
    if (next <= prio || next > opts.maxPriorityFeePerGasWei) return undefined;
    const maxFee = BigInt(last.maxFeePerGasWei) + (next - prio);
    return {
      type: 2,
      to: rec.request.to,
      data: rec.request.data,
      chainId: BigInt(rec.request.chainId),
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: next,
      ...(rec.request.gasLimit === undefined ? {} : { gasLimit: BigInt(rec.request.gasLimit) }),
    };
  }

  const bundleBroadcast: Broadcast = async (start, raw, signal) => {
    let rec = start;
    let current = raw;
    let accepted = 0;
    for (let attempt = 0; attempt < opts.blocks; attempt++) {
      signal?.throwIfAborted();
      const head = await readHead(provider);
      const target = head + 1;
      if (attempt > 0) {
        const request = bumped(rec);
        if (request) {
          const signed = await signAndStore(lc, rec, request, signal);
          rec = signed.rec;
          current = signed.tx.raw;
        }
      }
      await simulateOrThrow(current, target).catch(async (err: unknown) => {
        if (err instanceof KeelError && err.code === "EXECUTION_REVERTED") {
          await move(lc, rec.id, "failed", { error: { code: err.code, message: err.message } });
        } else if (err instanceof KeelError && accepted === 0) {
          // No relay ever took it: the signed transaction never left this process.
          await move(lc, rec.id, "cancelled", { error: { code: err.code, message: err.message } });
        }
        throw err;
      });
      accepted += await sendToRelays(current, target);
      const wasSent = rec.state === "sent";
      rec = await move(lc, rec.id, "sent", { targetBlock: target });
      if (!wasSent) await lc.failpoint?.("after-broadcast", signal);
      await waitForHead(provider, target, opts.blockWaitMs, pollMs, signal);
      for (const tx of rec.txs) {
        const receipt = await provider.getTransactionReceipt(tx.hash);
        if (!receipt) continue;
        if (receipt.status !== 1) await failMined(lc, rec, receipt);
        deps.metrics?.bundleAttempts?.inc({ result: "included" });
        return move(lc, rec.id, "included", { includedTx: receipt.hash, block: receipt.blockNumber });
      }
      const event = await findRebalanced(provider, codec, opts.allocator, rec.onchainId);
      if (event) return move(lc, rec.id, "included", { includedTx: event.txHash, block: event.block });
    }
    deps.metrics?.bundleAttempts?.inc({ result: "abandoned" });
    if (opts.allowPublicFallback) {
      lc.logger?.warn({ intentId: rec.id }, "bundle not included; public fallback allowed by config");
      return publicBroadcast(lc)(rec, current, signal);
    }
    lc.logger?.warn({ intentId: rec.id, blocks: opts.blocks }, "bundle not included; intent abandoned");
    return move(lc, rec.id, "cancelled", {
      error: { code: "BUNDLE_NOT_INCLUDED", message: `not included within ${opts.blocks} blocks` },
    });
  };

  return {
    resend: bundleBroadcast,
    async execute(intent: Intent, signal: AbortSignal): Promise<Action> {
      await settleOthers(lc, intent.id, confirmations, bundleBroadcast);
      const known = store.get(intent.id);
      if (known && known.state !== "planned") {
        return actionOf(await reconcileIntent(lc, known, { confirmations, resend: bundleBroadcast }), "bundle");
      }
      const earlier = await findRebalanced(provider, codec, opts.allocator, codec.intentIdOf(intent.id));
      let rec = await createRecord(lc, intent, "bundle", bufferBps);
      if (earlier) {
        rec = await move(lc, rec.id, "included", { includedTx: earlier.txHash, block: earlier.block });
        return actionOf(await finalise(lc, rec, confirmations), "bundle");
      }
      await relayClients();
      rec = await driveToSent(lc, rec, bundleBroadcast, signal);
      if (rec.state === "included") rec = await finalise(lc, rec, confirmations);
      const action = actionOf(rec, "bundle");
      return action;
    },
  };
}
