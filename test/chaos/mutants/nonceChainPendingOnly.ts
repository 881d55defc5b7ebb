// Seeded mutant of src/execution/nonces.ts: the next nonce is the chain's pending nonce and nothing else
// (no local counter, no nonces held by stored intents). Same interface, so the daemon runs unchanged.
import type { NonceManager, NonceManagerDeps } from "../../../src/execution/nonces.ts";

/** The mutant nonce manager. */
export function createNonceManager(deps: NonceManagerDeps): NonceManager {
  return {
    allocate: (address) => deps.chain.pendingNonce(address),
    minedNonce: (address) => deps.chain.minedNonce(address),
    release() {},
  };
}
