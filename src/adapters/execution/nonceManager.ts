import type { Provider } from "ethers";

/** Reads the chain's pending nonce of an account, bypassing any provider-side cache. */
export type PendingNonceReader = (address: string) => Promise<number>;

/** Ports of the nonce manager. */
export interface NonceManagerDeps {
  readonly provider: Provider;
  /** Override how the pending nonce is read (default: an uncached `eth_getTransactionCount(…, "pending")`). */
  readonly pendingNonce?: PendingNonceReader;
  /** Nonces held by this signer's intents (unfinished and final ones, from the intent store). */
  readonly heldNonces?: (address: string) => Promise<readonly number[]>;
}

/** Hands out nonces per signer. */
export interface NonceManager {
  /** The next nonce for `address`: max(chain pending, every nonce handed out or held + 1). Never the same twice. */
  allocate(address: string): Promise<number>;
  /** The chain's latest (mined) nonce: every nonce below it is used. */
  minedNonce(address: string): Promise<number>;
  /** Forget local reservations at or above `nonce` (after the intents holding them were abandoned and filled). */
  resync(address: string): void;
}

/** An uncached pending-nonce reader: ethers caches identical reads for 250 ms, which would hand out a nonce twice. */
export function uncachedNonceReader(
  provider: Provider,
  blockTag: "pending" | "latest" = "pending",
): PendingNonceReader {
  const send = (provider as { send?: (m: string, p: unknown[]) => Promise<unknown> }).send;
  return async (address) => {
    if (typeof send === "function") {
      const hex = await send.call(provider, "eth_getTransactionCount", [address, blockTag]);
      return Number(BigInt(hex as string));
    }
    return provider.getTransactionCount(address, blockTag);
  };
}

/**
 * Creates a nonce manager. Allocation is serialised per process, so two intents can never get the
 * same nonce; after a restart the in-flight nonces from the intent store keep it from reusing one
 * the chain has not seen yet.
 */
export function createNonceManager(deps: NonceManagerDeps): NonceManager {
  const pending = deps.pendingNonce ?? uncachedNonceReader(deps.provider, "pending");
  const latest = uncachedNonceReader(deps.provider, "latest");
  const next = new Map<string, number>();
  let queue: Promise<unknown> = Promise.resolve();

  return {
    allocate(address) {
      const key = address.toLowerCase();
      const run = queue.then(async () => {
        const chain = await pending(address);
        const stored = deps.heldNonces ? await deps.heldNonces(address) : [];
        const local = next.get(key) ?? 0;
        const n = Math.max(chain, local, ...stored.map((x) => x + 1));
        next.set(key, n + 1);
        return n;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    minedNonce: (address) => latest(address),
    resync(address) {
      next.delete(address.toLowerCase());
    },
  };
}
