import type { Logger } from "pino";
import { KeelError } from "../../domain/errors.ts";
import type { Clock } from "../../ports/clock.ts";
import { CircuitBreaker } from "./breaker.ts";
import { AttemptError, ChainErrorCode } from "./errors.ts";
import { trackHead } from "./head.ts";
import type { RpcPayload } from "./transport.ts";
import type { ChainMetrics, ChainProviderOptions } from "./types.ts";

/** One RPC endpoint with its breaker and the highest head it has reported. */
export interface Endpoint {
  readonly index: number;
  readonly label: string;
  readonly url: string;
  readonly breaker: CircuitBreaker;
  highestHead: bigint | undefined;
  /** Serves another chain: never used again. */
  wrongChain: boolean;
  chainVerified: boolean;
}

/** One endpoint per URL (labelled `rpc#N`, never by URL), each with a closed breaker whose state is exported. */
export function createEndpoints(
  urls: readonly string[],
  opts: Pick<Required<ChainProviderOptions>, "breakerFailureThreshold" | "breakerCooldownMs">,
  deps: { readonly metrics?: ChainMetrics; readonly logger?: Logger; readonly clock: Clock },
): Endpoint[] {
  return urls.map((url, index) => {
    const label = `rpc#${index}`;
    const breaker = new CircuitBreaker(
      {
        threshold: opts.breakerFailureThreshold,
        cooldownMs: opts.breakerCooldownMs,
        now: () => deps.clock.now(),
      },
      (open) => {
        deps.metrics?.rpcBreakerOpen?.set({ endpoint: label }, open ? 1 : 0);
        deps.logger?.warn({ endpoint: label, open }, open ? "rpc circuit opened" : "rpc circuit closed");
      },
    );
    // Every breaker starts closed: say so, rather than leave the gauge absent until one opens.
    deps.metrics?.rpcBreakerOpen?.set({ endpoint: label }, 0);
    return { index, label, url, breaker, highestHead: undefined, wrongChain: false, chainVerified: false };
  });
}

/** The first usable endpoint in order of preference, untried ones first; sends skip endpoints already tried. */
export function pickEndpoint(
  endpoints: readonly Endpoint[],
  tried: ReadonlySet<number>,
  untriedOnly: boolean,
): Endpoint | undefined {
  const usable = endpoints.filter((e) => !e.wrongChain);
  const order = [
    ...usable.filter((e) => !tried.has(e.index)),
    ...(untriedOnly ? [] : usable.filter((e) => tried.has(e.index))),
  ];
  return order.find((e) => e.breaker.tryAcquire());
}

/** Throws an AttemptError when a result is well-formed but wrong: another chain, or the head going backwards. */
export function checkEndpointResult(
  ep: Endpoint,
  method: string,
  payload: RpcPayload,
  result: unknown,
  opts: Pick<Required<ChainProviderOptions>, "chainId" | "maxHeadRegressionBlocks">,
  logger: Logger | undefined,
): void {
  if (method === "eth_chainId" && BigInt(result as string) !== BigInt(opts.chainId)) {
    ep.wrongChain = true;
    throw new AttemptError(
      "chain_id_mismatch",
      `${ep.label} serves chain ${BigInt(result as string)}, expected ${opts.chainId}`,
    );
  }
  if (method === "eth_chainId") ep.chainVerified = true;
  const problem = trackHead(ep, method, payload.params, result, opts.maxHeadRegressionBlocks, logger);
  if (problem) throw new AttemptError("bad_response", problem);
}

/**
 * The verdict on every endpoint's chain id answer: a node on another chain is fatal (`CHAIN_ID_MISMATCH`, not
 * retryable); no endpoint answering at all is `RPC_UNAVAILABLE` (retryable); otherwise nothing is thrown.
 */
export function judgeChainIds(
  endpoints: readonly Endpoint[],
  outcomes: readonly ("ok" | "error" | "mismatch" | "unreachable")[],
  chainId: number,
): void {
  if (outcomes.includes("mismatch")) {
    const which = endpoints.filter((e) => e.wrongChain).map((e) => e.label);
    throw new KeelError(
      ChainErrorCode.chainIdMismatch,
      `RPC endpoint(s) ${which.join(", ")} serve another chain than ${chainId}`,
      {
        retryable: false,
        context: { expectedChainId: chainId, endpoints: which.join(",") },
      },
    );
  }
  if (!outcomes.includes("ok")) {
    throw new KeelError(ChainErrorCode.unavailable, "no RPC endpoint answered eth_chainId", {
      retryable: true,
      context: { endpoints: endpoints.length },
    });
  }
}
