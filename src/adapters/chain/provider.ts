import { type JsonRpcError, type JsonRpcPayload, JsonRpcProvider, type JsonRpcResult, Network } from "ethers";
import type { Logger } from "pino";
import { KeelError } from "../../domain/errors.ts";
import type { Clock } from "../../ports/clock.ts";
import { systemClock } from "../clock.ts";
import { checkEndpointResult, createEndpoints, type Endpoint, judgeChainIds, pickEndpoint } from "./endpoints.ts";
import { AttemptError, ChainErrorCode, makeScrubber, unavailable } from "./errors.ts";
import { checkHead, type HeadCheck, type HeadState } from "./head.ts";
import { HealthTracker } from "./health.ts";
import { isPinnedStateRead, judgeStateAnswers } from "./stateQuorum.ts";
import { postJsonRpc, type RpcPayload } from "./transport.ts";
import type { ChainHealth, ChainMetrics, ChainProviderOptions, RpcResultLabel } from "./types.ts";
import { IDEMPOTENT_METHODS, isTransientRpcError } from "./validate.ts";

export type { ChainHealth, ChainMetrics, ChainProviderOptions } from "./types.ts";

/** Injected dependencies; all optional. */
export interface ChainProviderDeps {
  readonly metrics?: ChainMetrics;
  readonly logger?: Logger;
  /** Time for breakers, backoff and head freshness (default: the system clock). */
  readonly clock?: Clock;
  /** Jitter source in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** HTTP client (default global fetch). */
  readonly fetch?: typeof fetch;
}

/**
 * An ethers v6 provider over several JSON-RPC URLs that survives bad RPCs: per-attempt timeouts, bounded
 * retries with jitter for idempotent reads only, validated responses (types, id, chain id, monotonic head),
 * failover in order of preference, a circuit breaker per endpoint, and degraded mode after N failures.
 */
export class ChainProvider extends JsonRpcProvider {
  readonly endpoints: readonly Endpoint[];
  readonly #opts: Required<ChainProviderOptions>;
  readonly #deps: ChainProviderDeps;
  readonly #clock: Clock;
  readonly #scrub: (s: string) => string;
  readonly #closing = new AbortController();
  #ready: Promise<void> | undefined;
  readonly #health: HealthTracker;
  readonly #headState: HeadState = { number: undefined, changedAtMs: 0 };

  constructor(opts: ChainProviderOptions, deps: ChainProviderDeps = {}) {
    // The base class's own HTTP connection is never used: `_send` below is the only transport.
    super(undefined, Network.from(opts.chainId), {
      staticNetwork: Network.from(opts.chainId),
      batchMaxCount: 1,
      cacheTimeout: -1,
    });
    if (opts.urls.length === 0) throw new KeelError("CONFIG_INVALID", "at least one RPC URL is required");
    this.#opts = {
      recoverAfterSuccesses: 3,
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 2_000,
      breakerFailureThreshold: 3,
      breakerCooldownMs: 5_000,
      maxHeadRegressionBlocks: 12,
      maxHeadAgeSeconds: 180,
      maxHeadStallSeconds: 180,
      maxHeadSpreadBlocks: 2,
      headQuorum: Math.ceil(opts.urls.length / 2),
      stateQuorum: Math.ceil(opts.urls.length / 2),
      ...opts,
    };
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#scrub = makeScrubber(opts.urls);
    this.#health = new HealthTracker(this.#opts, deps);
    this.endpoints = createEndpoints(opts.urls, this.#opts, { ...deps, clock: this.#clock });
  }

  /** Options with every default filled in. */
  get options(): Readonly<Required<ChainProviderOptions>> {
    return this.#opts;
  }

  /** Degraded mode and the last (redacted) error; the execute gate refuses new intents while degraded. */
  health(): ChainHealth {
    return this.#health.health;
  }

  /**
   * Verifies the chain id of every endpoint. A node on another chain is fatal (`CHAIN_ID_MISMATCH`, not
   * retryable); no endpoint answering at all is `RPC_UNAVAILABLE` (retryable). Called by the first request.
   */
  verifyChain(): Promise<void> {
    this.#ready ??= this.#checkAllEndpoints().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  /** Quorum and freshness of the head across every endpoint; see `checkHead`. */
  async checkHead(): Promise<HeadCheck> {
    await this.verifyChain();
    return checkHead(
      this.endpoints,
      (ep) => this.#latestBlock(ep),
      this.#headState,
      this.#opts,
      this.#clock,
      this.#deps.metrics,
    );
  }

  async #latestBlock(ep: Endpoint): Promise<{ block: number; timestamp: number } | { error: string }> {
    try {
      const res = await this.#request(
        { jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber", params: ["latest", false] },
        ep,
      );
      if ("error" in res) return { error: this.#scrub(res.error.message ?? "rpc error") };
      const b = res.result as { number: string; timestamp: string } | null;
      if (b === null) return { error: "no latest block" };
      return { block: Number(BigInt(b.number)), timestamp: Number(BigInt(b.timestamp)) };
    } catch (err) {
      if (err instanceof KeelError && err.code === ChainErrorCode.closed) throw err;
      return { error: err instanceof Error ? this.#scrub(err.message) : "failed" };
    }
  }

  /** Aborts in-flight requests and stops polling. */
  async close(): Promise<void> {
    this.#closing.abort(new KeelError(ChainErrorCode.closed, "chain provider closed"));
    this.destroy();
  }

  override async send(method: string, params: Array<unknown> | Record<string, unknown>): Promise<unknown> {
    await this.verifyChain();
    return super.send(method, params);
  }

  // ethers' own type says results only, but its drain loop handles `{ error }` entries (it maps them to errors).
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<Array<JsonRpcResult>> {
    const list = Array.isArray(payload) ? payload : [payload];
    const one = (p: JsonRpcPayload) =>
      this.endpoints.length > 1 && isPinnedStateRead(p) ? this.#quorumRead(p) : this.#request(p);
    return (await Promise.all(list.map(one))) as Array<JsonRpcResult>;
  }

  /**
   * A state read pinned to a block, asked of every usable endpoint at once (one attempt each) and judged
   * by `judgeStateAnswers` (majority and `stateQuorum`; `RPC_STATE_DISAGREE`, on which the ingest halts).
   */
  async #quorumRead(payload: RpcPayload): Promise<JsonRpcResult | JsonRpcError> {
    const usable = this.endpoints.filter((e) => !e.wrongChain && e.breaker.state !== "open");
    const answers = await Promise.all(
      usable.map(async (ep) => {
        try {
          return { ep, res: await this.#request(payload, ep) };
        } catch (err) {
          if (err instanceof KeelError && err.code === ChainErrorCode.closed) throw err;
          return undefined;
        }
      }),
    );
    const given = answers.filter((a) => a !== undefined).map((a) => ({ endpoint: a.ep.label, res: a.res }));
    const quorum = Math.min(this.#opts.stateQuorum, this.endpoints.length);
    const judged = judgeStateAnswers(payload, given, quorum, this.#deps);
    // Nobody could serve the block: the first node's own error, or the ordinary failover read.
    return judged ?? given[0]?.res ?? this.#request(payload);
  }

  /** One request with failover and retries; JSON-RPC errors of the node come back as `{ error }`. */
  async #request(payload: RpcPayload, only?: Endpoint): Promise<JsonRpcResult | JsonRpcError> {
    const method = payload.method;
    const idempotent = IDEMPOTENT_METHODS.has(method);
    const maxAttempts = only ? 1 : idempotent ? 1 + this.#opts.maxRetries : this.endpoints.length;
    const tried = new Set<number>();
    let last: AttemptError | undefined;
    let maybeSent = false;
    let backoffs = 0;
    let attempts = 0;
    while (attempts < maxAttempts) {
      if (this.#closing.signal.aborted) throw this.#closing.signal.reason;
      const ep = only ?? pickEndpoint(this.endpoints, tried, !idempotent);
      if (!ep) {
        last = new AttemptError("circuit_open", "no endpoint available (circuits open)", true);
        this.#health.failed(method, last);
        break;
      }
      if (tried.has(ep.index)) await this.#backoff(backoffs++);
      tried.add(ep.index);
      attempts += 1;
      if (!ep.chainVerified && method !== "eth_chainId" && !(await this.#verifyEndpoint(ep))) {
        last = new AttemptError(
          ep.wrongChain ? "chain_id_mismatch" : "network",
          `${ep.label}: chain id not verified (${this.#health.health.lastError ?? "no answer"})`,
          true,
        );
        continue;
      }
      try {
        const env = await postJsonRpc(ep.url, payload, {
          timeoutMs: this.#opts.requestTimeoutMs,
          signal: this.#closing.signal,
          scrub: this.#scrub,
          ...(this.#deps.fetch ? { fetch: this.#deps.fetch } : {}),
        });
        if (env.kind === "error") {
          if (isTransientRpcError(env.error))
            throw new AttemptError("rate_limited", this.#scrub(`node busy: ${env.error.message}`));
          this.#attemptOk(ep, method, "rpc_error");
          return { id: payload.id as number, error: env.error };
        }
        checkEndpointResult(ep, method, payload, env.result, this.#opts, this.#deps.logger);
        this.#attemptOk(ep, method, "ok");
        return { id: payload.id as number, result: env.result };
      } catch (err) {
        if (!(err instanceof AttemptError)) {
          ep.breaker.release();
          throw err;
        }
        ep.breaker.failure();
        this.#health.failed(method, err, ep.label);
        last = err;
        if (!idempotent) {
          if (!err.notSent) maybeSent = true;
          if (maybeSent) break;
        }
      }
    }
    if (maybeSent) {
      throw new KeelError(
        ChainErrorCode.sendStatusUnknown,
        `${method}: the node may have received it (${last?.message}); reconcile by hash, never resend under a new nonce`,
        {
          retryable: true,
          context: { method },
        },
      );
    }
    throw unavailable(method, attempts, last);
  }

  async #backoff(n: number): Promise<void> {
    const cap = Math.min(this.#opts.retryMaxDelayMs, this.#opts.retryBaseDelayMs * 2 ** n);
    const ms = Math.floor(cap * (this.#deps.random ?? Math.random)());
    if (ms <= 0) return;
    try {
      await this.#clock.sleep(ms, this.#closing.signal);
    } catch (err) {
      throw this.#closing.signal.aborted ? this.#closing.signal.reason : err;
    }
  }

  #attemptOk(ep: Endpoint, method: string, result: RpcResultLabel): void {
    ep.breaker.success();
    this.#health.ok(method, result);
  }

  /** Checks an endpoint's chain id before its first use (one attempt); false when it failed or mismatched. */
  async #verifyEndpoint(ep: Endpoint): Promise<boolean> {
    try {
      const res = await this.#request({ jsonrpc: "2.0", id: 0, method: "eth_chainId", params: [] }, ep);
      return !("error" in res) && ep.chainVerified;
    } catch (err) {
      if (err instanceof KeelError && err.code === ChainErrorCode.closed) throw err;
      return false;
    }
  }

  async #checkAllEndpoints(): Promise<void> {
    const outcomes = await Promise.all(
      this.endpoints.map(async (ep) => {
        try {
          const res = await this.#request({ jsonrpc: "2.0", id: 0, method: "eth_chainId", params: [] }, ep);
          return "error" in res ? "error" : "ok";
        } catch (err) {
          if (ep.wrongChain) return "mismatch";
          if (err instanceof KeelError && err.code === ChainErrorCode.closed) throw err;
          return "unreachable";
        }
      }),
    );
    judgeChainIds(this.endpoints, outcomes, this.#opts.chainId);
  }
}

/** Builds the daemon's chain provider (see `ChainProvider`). Call `verifyChain()` at start to fail fast on a wrong chain. */
export function createChainProvider(opts: ChainProviderOptions, deps: ChainProviderDeps = {}): ChainProvider {
  return new ChainProvider(opts, deps);
}
