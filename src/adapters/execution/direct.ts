import type { AbstractSigner, Provider, TransactionReceipt, TransactionRequest } from "ethers";
import type { Logger } from "pino";
import type { Action } from "../../domain/decision.ts";
import type { Executor, Intent } from "../../ports/execution.ts";
import { type AllocatorCodec, createAllocatorCodec, revertDataOf } from "./allocatorCodec.ts";
import { revertError, translateSendError } from "./errors.ts";
import { findRebalanced } from "./events.ts";
import { waitForAnyReceipt } from "./receipts.ts";

/** Options of the direct route. */
export interface DirectExecutorOptions {
  /** KeelAllocator address. */
  readonly allocator: string;
  /** Extra gas over the GasVerdict's units, in bps (simulation is not exact). */
  readonly gasLimitBufferBps?: number;
  /** How long to wait for the receipt before reporting `sent` (unknown is not failure). */
  readonly receiptTimeoutMs?: number;
  readonly receiptPollMs?: number;
  /** How far back to look for an earlier `Rebalanced` of the same intent. */
  readonly eventLookbackBlocks?: number;
}

/** Ports of the direct route. */
export interface DirectExecutorDeps {
  /** The keeper signer, connected to `provider`. */
  readonly signer: AbstractSigner;
  readonly provider: Provider;
  readonly codec?: AllocatorCodec;
  readonly logger?: Logger;
}

/** Fills in fees and gas for a rebalance request from the intent's GasVerdict. */
export function feeFields(intent: Intent, bufferBps: number): Pick<TransactionRequest, "type" | "gasLimit" | "maxFeePerGas" | "maxPriorityFeePerGas"> {
  const g = intent.gas;
  return {
    type: 2,
    maxFeePerGas: g.maxFeePerGasWei,
    maxPriorityFeePerGas: g.maxPriorityFeePerGasWei,
    ...(g.gasUnits > 0n ? { gasLimit: g.gasUnits + (g.gasUnits * BigInt(bufferBps)) / 10_000n } : {}),
  };
}

/**
 * The direct route: simulates `allocator.rebalance(keccak(intent.id), moves)` from the keeper, sends
 * it with the GasVerdict's EIP-1559 fees, waits for the receipt and returns the Action. An intent id
 * already used on chain is reported as included (its earlier transaction), never sent again.
 * Reverts are decoded and thrown as EXECUTION_REVERTED (not retryable; a pause is terminal).
 */
export function createDirectExecutor(opts: DirectExecutorOptions, deps: DirectExecutorDeps): Executor {
  const codec = deps.codec ?? createAllocatorCodec();
  const { provider, signer } = deps;
  const log = deps.logger?.child({ module: "execution.direct" });
  const bufferBps = opts.gasLimitBufferBps ?? 2_000;
  const timeoutMs = opts.receiptTimeoutMs ?? 120_000;

  async function decodeMinedRevert(receipt: TransactionReceipt, from: string, data: string): Promise<never> {
    let decoded: ReturnType<AllocatorCodec["decodeRevert"]>;
    try {
      await provider.call({ from, to: opts.allocator, data, blockTag: receipt.blockNumber - 1 });
    } catch (err) {
      decoded = codec.decodeRevert(revertDataOf(err));
    }
    throw revertError("receipt", decoded, { txHash: receipt.hash, block: receipt.blockNumber });
  }

  return {
    async execute(intent: Intent, signal: AbortSignal): Promise<Action> {
      const from = await signer.getAddress();
      const onchainId = codec.intentIdOf(intent.id);
      const earlier = await findRebalanced(provider, codec, opts.allocator, onchainId, opts.eventLookbackBlocks);
      if (earlier) {
        log?.warn({ intentId: intent.id, txHash: earlier.txHash }, "intent already executed on chain");
        return { route: "direct", intentId: intent.id, txHashes: [earlier.txHash], status: "included", block: earlier.block };
      }
      const data = codec.encodeRebalance(intent.id, intent.plan.moves);
      signal.throwIfAborted();
      // Simulate right before sending: a pause or bound violation is caught without spending gas.
      try {
        await provider.call({ from, to: opts.allocator, data });
      } catch (err) {
        throw translateSendError(err, codec, "simulate");
      }
      signal.throwIfAborted();
      const chainId = (await provider.getNetwork()).chainId;
      const request: TransactionRequest = { to: opts.allocator, data, chainId, ...feeFields(intent, bufferBps) };
      let hash: string;
      try {
        const sent = await signer.sendTransaction(request);
        hash = sent.hash;
      } catch (err) {
        throw translateSendError(err, codec, "send");
      }
      log?.info({ intentId: intent.id, txHash: hash }, "rebalance sent");
      const receipt = await waitForAnyReceipt(provider, [hash], { timeoutMs, pollMs: opts.receiptPollMs ?? 500, signal });
      if (!receipt) {
        log?.warn({ intentId: intent.id, txHash: hash }, "no receipt yet");
        return { route: "direct", intentId: intent.id, txHashes: [hash], status: "sent" };
      }
      if (receipt.status !== 1) await decodeMinedRevert(receipt, from, data);
      log?.info({ intentId: intent.id, txHash: hash, block: receipt.blockNumber }, "rebalance included");
      return { route: "direct", intentId: intent.id, txHashes: [hash], status: "included", block: receipt.blockNumber };
    },
  };
}
