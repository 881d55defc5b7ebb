import type { Provider, TransactionReceipt } from "ethers";

/** How long to look for a receipt, and how often. */
export interface ReceiptWaitOptions {
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Polls for the receipt of any of `hashes` (an intent's original and its replacements: whichever
 * mined is the one that counts). Resolves null when none appeared within the timeout — unknown is
 * not failure. ethers' own `wait()` relies on block events and a cached head, so it is not used.
 */
export async function waitForAnyReceipt(
  provider: Provider,
  hashes: readonly string[],
  opts: ReceiptWaitOptions,
): Promise<TransactionReceipt | null> {
  const pollMs = opts.pollMs ?? 250;
  const deadline = Date.now() + opts.timeoutMs;
  const maxRounds = Math.ceil(opts.timeoutMs / pollMs) + 1;
  for (let round = 0; round < maxRounds; round++) {
    for (const hash of hashes) {
      const receipt = await provider.getTransactionReceipt(hash);
      if (receipt) return receipt;
    }
    if (Date.now() >= deadline) break;
    await pause(Math.min(pollMs, Math.max(0, deadline - Date.now())), opts.signal);
  }
  return null;
}

/**
 * Recovers the revert data of a mined, failed transaction: `debug_traceTransaction` when the node
 * offers it, else replaying the call against the state after and before its block.
 */
export async function minedRevertData(
  provider: Provider,
  receipt: TransactionReceipt,
  call: { from: string; to: string; data: string },
  dataOf: (err: unknown) => string | undefined,
): Promise<string | undefined> {
  const send = (provider as { send?: (m: string, p: unknown[]) => Promise<unknown> }).send;
  if (typeof send === "function") {
    try {
      const trace = (await send.call(provider, "debug_traceTransaction", [
        receipt.hash,
        { disableStorage: true, disableMemory: true, disableStack: true },
      ])) as { returnValue?: string; failed?: boolean };
      const rv = trace?.returnValue;
      if (typeof rv === "string" && rv.length >= 8) return rv.startsWith("0x") ? rv : `0x${rv}`;
    } catch {
      // tracing not offered: replay instead
    }
  }
  for (const blockTag of [receipt.blockNumber, receipt.blockNumber - 1]) {
    try {
      await provider.call({ ...call, blockTag });
    } catch (err) {
      const data = dataOf(err);
      if (data) return data;
    }
  }
  return undefined;
}
