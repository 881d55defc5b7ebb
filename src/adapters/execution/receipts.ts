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
