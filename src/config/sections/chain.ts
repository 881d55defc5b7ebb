import { z } from "zod";
import { secretRef } from "./common.ts";

/** Chain access. No RPC URL at all means: run on the embedded devnet. */
export const chainSection = z
  .strictObject({
    /** Expected chain id; a node reporting another id is fatal at start. */
    chainId: z.number().int().positive().default(31337),
    /** RPC endpoints, tried in order with failover. URLs may embed API keys: give them as secrets. */
    rpcUrls: z.array(secretRef).default([]),
    /** Per-call timeout (ethers' own default is 5 minutes). */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /** Bounded retries for idempotent reads. */
    maxRetries: z.number().int().min(0).max(10).default(3),
    /** Consecutive failures before degraded mode (observe only, no new intents). */
    degradedAfterFailures: z.number().int().min(1).max(1000).default(5),
    /** Confirmations before an included transaction is final. */
    confirmations: z.number().int().min(0).max(64).default(2),
    /** Maximum concurrent chain reads per tick. */
    readConcurrency: z.number().int().min(1).max(64).default(8),
  })
  .prefault({});
