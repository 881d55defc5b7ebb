import type { AbstractSigner, Provider } from "ethers";
import type { Logger } from "pino";
import { createDirectRoute, type DirectExecutorOptions } from "../../execution/direct.ts";
import { storeHeldNonces } from "../../execution/intentStates.ts";
import type { ExecutionMetrics, FailpointName, LifecycleDeps } from "../../execution/lifecycle.ts";
import { openMemoryIntentStore } from "../../execution/memoryIntentStore.ts";
import { createNonceManager, type NonceManager } from "../../execution/nonces.ts";
import type { Executor } from "../../ports/execution.ts";
import type { IntentStore } from "../../ports/intentStore.ts";
import { loadNodeErrors, type NodeErrors } from "../ethers/nodeErrors.ts";
import { type AllocatorCodec, createAllocatorCodec } from "./allocatorCodec.ts";
import { ethersBroadcaster, ethersChainReader, ethersTxSigner } from "./ethersPorts.ts";

/** Ethers-side dependencies of a route. Without a store, an in-memory one is used (tests, dry tools). */
export interface DirectExecutorDeps {
  /** The keeper signer, connected to `provider`. */
  readonly signer: AbstractSigner;
  readonly provider: Provider;
  readonly codec?: AllocatorCodec;
  /** The node-error translator (default: the one loaded from the compiled artifacts). */
  readonly errors?: NodeErrors;
  readonly logger?: Logger;
  readonly store?: IntentStore;
  readonly nonces?: NonceManager;
  readonly metrics?: ExecutionMetrics;
  readonly failpoint?: (name: FailpointName, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

/**
 * The execution core's ports over ethers: chain reader, public broadcaster and signer (all mapping
 * node errors through one translator), the store, and a nonce manager that counts the nonces the
 * store's intents hold.
 */
export function lifecycleDeps(opts: { allocator: string }, deps: DirectExecutorDeps): LifecycleDeps {
  const store = deps.store ?? openMemoryIntentStore(deps.now ?? Date.now);
  const codec = deps.codec ?? createAllocatorCodec();
  const errors = deps.errors ?? loadNodeErrors();
  const chain = ethersChainReader({ provider: deps.provider, allocator: opts.allocator, codec, errors });
  return {
    signer: ethersTxSigner(deps.signer, errors),
    chain,
    broadcaster: ethersBroadcaster(deps.provider, errors),
    store,
    nonces: deps.nonces ?? createNonceManager({ chain, heldNonces: storeHeldNonces(store) }),
    encoder: codec,
    allocator: opts.allocator,
    now: deps.now ?? Date.now,
    ...(deps.failpoint ? { failpoint: deps.failpoint } : {}),
    ...(deps.logger ? { logger: deps.logger.child({ module: "execution" }) } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  };
}

/** The direct route (see `createDirectRoute`) over an ethers provider and signer. */
export function createDirectExecutor(opts: DirectExecutorOptions, deps: DirectExecutorDeps): Executor {
  return createDirectRoute(opts, lifecycleDeps(opts, deps));
}
