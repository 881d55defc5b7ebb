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
    /** Consecutive successes that end degraded mode. */
    recoverAfterSuccesses: z.number().int().min(1).max(1000).default(3),
    /** Exponential backoff between retries on an endpoint already tried: base and cap (full jitter). */
    retryBaseDelayMs: z.number().int().min(0).max(60_000).default(100),
    retryMaxDelayMs: z.number().int().min(0).max(120_000).default(2_000),
    /** Consecutive failures that open one endpoint's circuit breaker, and how long it stays open. */
    breakerFailureThreshold: z.number().int().min(1).max(1000).default(3),
    breakerCooldownMs: z.number().int().min(100).max(3_600_000).default(5_000),
    /** A head lower than the highest seen by more than this is a bad response, not a reorg. */
    maxHeadRegressionBlocks: z.number().int().min(0).max(10_000).default(12),
    /** Freeze decisions when the latest block is older than this by its own timestamp. */
    maxHeadAgeSeconds: z.number().int().min(1).max(86_400).default(180),
    /** Freeze decisions when the head number has not moved for this long (Chainlink's NoNewHeadsThreshold). */
    maxHeadStallSeconds: z.number().int().min(1).max(86_400).default(180),
    /** Freeze decisions when RPC endpoints disagree on the head by more than this. */
    maxHeadSpreadBlocks: z.number().int().min(0).max(1000).default(2),
    /** Endpoints that must answer the head check (0 = half of rpcUrls, rounded up). */
    headQuorum: z.number().int().min(0).max(64).default(0),
    /**
     * With several rpcUrls, every state read at a block (the ingest's eth_calls) is asked of all of them:
     * this many (0 = half, rounded up) must give the same answer, a strict majority of those that answered;
     * endpoints answering differently without one halt the tick (RPC_STATE_DISAGREE).
     */
    stateQuorum: z.number().int().min(0).max(64).default(0),
  })
  .prefault({});
