import type { ChainReader } from "../ports/chainReader.ts";

/** Hands out nonces per signer. */
export interface NonceManager {
  /**
   * The next nonce for `address`: max(chain pending, every nonce handed out and not released, or held,
   * + 1). Never the same to two live reservations (a released one may be handed out again).
   */
  allocate(address: string): Promise<number>;
  /** The chain's latest (mined) nonce: every nonce below it is used. */
  minedNonce(address: string): Promise<number>;
  /**
   * Hands back `nonce` (its intent ended with nothing broadcast, or the chain used it): when it is the
   * latest reservation, the next allocation may take it again. An older one is left alone (the chain
   * pending nonce and the store decide); never two live reservations of the same nonce.
   */
  release(address: string, nonce: number): void;
}

/** Ports of the nonce manager. */
export interface NonceManagerDeps {
  readonly chain: Pick<ChainReader, "pendingNonce" | "minedNonce">;
  /** Nonces held by this signer's intents (unfinished and final ones, from the intent store). */
  readonly heldNonces?: (address: string) => Promise<readonly number[]>;
}

/**
 * Creates a nonce manager. Allocation is serialised per process, so two intents can never get the
 * same nonce; after a restart the in-flight nonces from the intent store keep it from reusing one
 * the chain has not seen yet.
 */
export function createNonceManager(deps: NonceManagerDeps): NonceManager {
  const next = new Map<string, number>();
  let queue: Promise<unknown> = Promise.resolve();

  return {
    allocate(address) {
      const key = address.toLowerCase();
      const run = queue.then(async () => {
        const chain = await deps.chain.pendingNonce(address);
        const stored = deps.heldNonces ? await deps.heldNonces(address) : [];
        const local = next.get(key) ?? 0;
        const n = Math.max(chain, local, ...stored.map((x) => x + 1));
        next.set(key, n + 1);
        return n;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    minedNonce: (address) => deps.chain.minedNonce(address),
    release(address, nonce) {
      const key = address.toLowerCase();
      if (next.get(key) === nonce + 1) next.set(key, nonce);
    },
  };
}
