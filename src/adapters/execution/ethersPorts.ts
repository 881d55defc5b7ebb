import { type AbstractSigner, type Provider, Transaction, type TransactionReceipt, zeroPadValue } from "ethers";
import type { CallRequest, ChainReader, ReceiptView } from "../../ports/chainReader.ts";
import type { PublicBroadcaster, TxSigner } from "../../ports/txSender.ts";
import { isAlreadyKnown, isNonceUsed, type NodeErrors, revertDataOf } from "../ethers/nodeErrors.ts";
import type { AllocatorCodec } from "./allocatorCodec.ts";
import { findRebalanced } from "./events.ts";

/** Sends a JSON-RPC request bypassing ethers' caches (it caches identical reads for 250 ms). */
async function uncached<T>(
  provider: Provider,
  method: string,
  params: unknown[],
  fallback: () => Promise<T>,
): Promise<unknown> {
  const send = (provider as { send?: (m: string, p: unknown[]) => Promise<unknown> }).send;
  return typeof send === "function" ? send.call(provider, method, params) : fallback();
}

async function nonceAt(provider: Provider, address: string, tag: "pending" | "latest"): Promise<number> {
  const v = await uncached(provider, "eth_getTransactionCount", [address, tag], () =>
    provider.getTransactionCount(address, tag),
  );
  return typeof v === "number" ? v : Number(BigInt(v as string));
}

/** The next block's base fee: the last entry of `eth_feeHistory` (undefined before London or when refused). */
async function nextBaseFee(provider: Provider): Promise<bigint | undefined> {
  try {
    const h = (await uncached(provider, "eth_feeHistory", ["0x1", "latest", []], async () => undefined)) as
      | { baseFeePerGas?: readonly string[] }
      | undefined;
    const next = h?.baseFeePerGas?.at(-1);
    return next === undefined ? undefined : BigInt(next);
  } catch {
    return undefined;
  }
}

function receiptView(r: TransactionReceipt): ReceiptView {
  return { hash: r.hash, block: r.blockNumber, success: r.status === 1 };
}

/**
 * The revert data of a mined, failed transaction: `debug_traceTransaction` when the node offers it,
 * else replaying the call against the state after and before its block.
 */
async function minedRevertData(
  provider: Provider,
  receipt: ReceiptView,
  call: CallRequest,
): Promise<string | undefined> {
  try {
    const trace = (await uncached(
      provider,
      "debug_traceTransaction",
      [receipt.hash, { disableStorage: true, disableMemory: true, disableStack: true }],
      async () => undefined,
    )) as { returnValue?: string } | undefined;
    const rv = trace?.returnValue;
    if (typeof rv === "string" && rv.length >= 8) return rv.startsWith("0x") ? rv : `0x${rv}`;
  } catch {
    // tracing not offered: replay instead
  }
  for (const blockTag of [receipt.block, receipt.block - 1]) {
    try {
      await provider.call({ ...call, blockTag });
    } catch (err) {
      const data = revertDataOf(err);
      if (data) return data;
    }
  }
  return undefined;
}

/** The chain reader over an ethers provider; node errors leave it translated by `errors`. */
export function ethersChainReader(deps: {
  readonly provider: Provider;
  readonly allocator: string;
  readonly codec: AllocatorCodec;
  readonly errors: NodeErrors;
}): ChainReader {
  const { provider, codec, errors } = deps;
  return {
    chainId: async () => (await provider.getNetwork()).chainId,
    head: async () =>
      Number(BigInt((await uncached(provider, "eth_blockNumber", [], () => provider.getBlockNumber())) as string)),
    pendingNonce: (address) => nonceAt(provider, address, "pending"),
    minedNonce: (address) => nonceAt(provider, address, "latest"),
    balance: (address) => provider.getBalance(address),
    nextBaseFee: () => nextBaseFee(provider),
    async receipt(hash) {
      const r = await provider.getTransactionReceipt(hash);
      return r ? receiptView(r) : undefined;
    },
    async simulate(call) {
      try {
        await provider.call(call);
      } catch (err) {
        throw errors.translate(err, "simulate");
      }
    },
    async estimateGas(call) {
      try {
        return await provider.estimateGas(call);
      } catch (err) {
        throw errors.translate(err, "simulate");
      }
    },
    findRebalanced: (onchainId, lookbackBlocks) =>
      findRebalanced(provider, codec, deps.allocator, onchainId, lookbackBlocks),
    async hasRebalancedBy(caller, lookbackBlocks) {
      const head = await provider.getBlockNumber();
      const logs = await provider.getLogs({
        address: deps.allocator,
        topics: [codec.rebalancedTopic, null, zeroPadValue(caller, 32)],
        fromBlock: Math.max(0, head - lookbackBlocks),
        toBlock: head,
      });
      return logs.length > 0;
    },
    minedRevert: async (receipt, call) => errors.decodeRevert(await minedRevertData(provider, receipt, call)),
  };
}

/** The public mempool through an ethers provider. */
export function ethersBroadcaster(provider: Provider, errors: NodeErrors): PublicBroadcaster {
  return {
    async sendRaw(raw) {
      try {
        await provider.broadcastTransaction(raw);
        return "accepted";
      } catch (err) {
        if (isAlreadyKnown(err)) return "accepted";
        if (isNonceUsed(err)) return "nonce-used";
        throw errors.translate(err, "send");
      }
    },
  };
}

/** The keeper key behind an ethers signer (a wallet, a keystore or the KMS signer). */
export function ethersTxSigner(signer: AbstractSigner, errors: NodeErrors): TxSigner {
  return {
    address: () => signer.getAddress(),
    async sign(req) {
      try {
        const populated = await signer.populateTransaction({ type: 2, ...req });
        const raw = await signer.signTransaction(populated);
        const parsed = Transaction.from(raw);
        return {
          hash: parsed.hash ?? "",
          raw,
          maxFeePerGas: parsed.maxFeePerGas ?? 0n,
          maxPriorityFeePerGas: parsed.maxPriorityFeePerGas ?? 0n,
        };
      } catch (err) {
        throw errors.translate(err, "send");
      }
    },
  };
}
