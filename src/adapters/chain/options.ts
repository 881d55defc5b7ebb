import type { KeelConfig } from "../../config/schema.ts";
import type { ChainProviderOptions } from "./types.ts";

/** Maps the validated `chain` config section (with its RPC URLs already read from their secrets) to provider options. */
export function chainProviderOptions(chain: KeelConfig["chain"], urls: string[]): ChainProviderOptions {
  return {
    urls,
    chainId: chain.chainId,
    requestTimeoutMs: chain.requestTimeoutMs,
    maxRetries: chain.maxRetries,
    degradedAfterFailures: chain.degradedAfterFailures,
    recoverAfterSuccesses: chain.recoverAfterSuccesses,
    retryBaseDelayMs: chain.retryBaseDelayMs,
    retryMaxDelayMs: chain.retryMaxDelayMs,
    breakerFailureThreshold: chain.breakerFailureThreshold,
    breakerCooldownMs: chain.breakerCooldownMs,
    maxHeadRegressionBlocks: chain.maxHeadRegressionBlocks,
    maxHeadAgeSeconds: chain.maxHeadAgeSeconds,
    maxHeadStallSeconds: chain.maxHeadStallSeconds,
    maxHeadSpreadBlocks: chain.maxHeadSpreadBlocks,
    ...(chain.headQuorum > 0 ? { headQuorum: chain.headQuorum } : {}),
    ...(chain.stateQuorum > 0 ? { stateQuorum: chain.stateQuorum } : {}),
  };
}
