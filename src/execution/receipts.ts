import type { ChainReader, ReceiptView } from "../ports/chainReader.ts";

/** How long to look for a receipt, and how often. */
export interface ReceiptWaitOptions {
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

/** Resolves after `ms`, or rejects with the signal's reason when aborted. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
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
 * mined is the one that counts). Resolves undefined when none appeared within the timeout — unknown
 * is not failure.
 */
export async function waitForAnyReceipt(
  chain: Pick<ChainReader, "receipt">,
  hashes: readonly string[],
  opts: ReceiptWaitOptions,
): Promise<ReceiptView | undefined> {
  const pollMs = opts.pollMs ?? 250;
  const deadline = Date.now() + opts.timeoutMs;
  const maxRounds = Math.ceil(opts.timeoutMs / pollMs) + 1;
  for (let round = 0; round < maxRounds; round++) {
    for (const hash of hashes) {
      const receipt = await chain.receipt(hash);
      if (receipt) return receipt;
    }
    if (Date.now() >= deadline) break;
    await pause(Math.min(pollMs, Math.max(0, deadline - Date.now())), opts.signal);
  }
  return undefined;
}

/** Polls until the head reaches `atLeast` or the timeout passes; returns the last head seen. */
export async function waitForHead(
  chain: Pick<ChainReader, "head">,
  atLeast: number,
  opts: { readonly timeoutMs: number; readonly pollMs: number; readonly signal?: AbortSignal },
): Promise<number> {
  const rounds = Math.ceil(opts.timeoutMs / opts.pollMs) + 1;
  let h = await chain.head();
  for (let i = 0; i < rounds && h < atLeast; i++) {
    opts.signal?.throwIfAborted();
    await pause(opts.pollMs);
    h = await chain.head();
  }
  return h;
}
