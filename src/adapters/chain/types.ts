/** What a single JSON-RPC request ended as; the `result` label of `keel_rpc_requests_total`. */
export type RpcResultLabel =
  | "ok"
  | "rpc_error"
  | "timeout"
  | "http_error"
  | "network"
  | "bad_response"
  | "chain_id_mismatch"
  | "circuit_open"
  | "rate_limited";

/**
 * The metrics the chain layer moves. Shaped so prom-client objects fit directly:
 * `rpcRequests` = Counter `keel_rpc_requests_total{method,result}`, `rpcDegraded` = Gauge `keel_rpc_degraded`.
 */
export interface ChainMetrics {
  /** One increment per attempt against one endpoint (retries and failovers count separately). */
  readonly rpcRequests: { inc(labels: { method: string; result: RpcResultLabel }): void };
  /** 1 while in degraded mode (observe only, no new intents), else 0. */
  readonly rpcDegraded: { set(value: number): void };
  /** Optional: 1 while the breaker of endpoint `rpc#i` is open. The label is an index, never a URL. */
  readonly rpcBreakerOpen?: { set(labels: { endpoint: string }, value: number): void };
  /** Optional: head checks by outcome (`ok`, `stale`, `stalled`, `disagree`, `no_quorum`). */
  readonly rpcHeadChecks?: { inc(labels: { result: string }): void };
  /** Optional: cross-checked state reads by outcome (`ok`, `outvoted`, `disagree`). */
  readonly rpcStateChecks?: { inc(labels: { result: string }): void };
}

/** Health of the chain connection as the daemon's `/readyz` and execute gate see it. */
export interface ChainHealth {
  /** True after `degradedAfterFailures` consecutive failed attempts, until the connection recovers. */
  readonly degraded: boolean;
  readonly consecutiveFailures: number;
  /** Redacted: never holds a URL or a secret. */
  readonly lastError?: string;
}

/** Options of the resilient chain provider (the `chain` config section, URLs already resolved). */
export interface ChainProviderOptions {
  /** RPC endpoints in order of preference. May embed API keys: never logged, never in errors. */
  readonly urls: string[];
  readonly chainId: number;
  /** Per-attempt timeout (connection, headers and body). */
  readonly requestTimeoutMs: number;
  /** Extra attempts for idempotent reads (failover first, then backoff with jitter). */
  readonly maxRetries: number;
  /** Consecutive failed attempts before degraded mode. */
  readonly degradedAfterFailures: number;
  /** Consecutive successes that end degraded mode (default 3). */
  readonly recoverAfterSuccesses?: number;
  /** Base of the exponential backoff between retries on an endpoint already tried (default 100). */
  readonly retryBaseDelayMs?: number;
  /** Cap of one backoff (default 2 000). */
  readonly retryMaxDelayMs?: number;
  /** Consecutive failures that open an endpoint's circuit breaker (default 3). */
  readonly breakerFailureThreshold?: number;
  /** How long an open breaker rejects before one probe is let through (default 5 000). */
  readonly breakerCooldownMs?: number;
  /** A head lower than the highest seen by more than this is a bad response, not a reorg (default 12). */
  readonly maxHeadRegressionBlocks?: number;
  /** Head check: the latest block is stale when older than this by its own timestamp (default 180). */
  readonly maxHeadAgeSeconds?: number;
  /** Head check: the head is stalled when its number has not moved for this long (default 180). */
  readonly maxHeadStallSeconds?: number;
  /** Head check: endpoints disagree when their heads differ by more than this (default 2). */
  readonly maxHeadSpreadBlocks?: number;
  /** Head check: endpoints that must answer and agree (default: half of `urls`, rounded up). */
  readonly headQuorum?: number;
  /**
   * State reads at a block (eth_call, eth_getBalance, eth_getCode, eth_getStorageAt) with more than one
   * endpoint: how many must give the same answer, which must also be a strict majority of the answers
   * (default: half of `urls`, rounded up).
   */
  readonly stateQuorum?: number;
}
