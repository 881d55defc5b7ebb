import pino, { type Logger } from "pino";
import { type ChainProvider, createChainProvider } from "../../../src/adapters/chain/provider.ts";
import type { ChainMetrics, ChainProviderOptions, RpcResultLabel } from "../../../src/adapters/chain/types.ts";

/** ChainMetrics that remember every increment, for assertions. */
export interface RecordingMetrics extends ChainMetrics {
  readonly requests: Map<string, number>;
  degraded: number;
  count(method: string, result: RpcResultLabel | "*"): number;
}

export function recordingMetrics(): RecordingMetrics {
  const requests = new Map<string, number>();
  const m: RecordingMetrics = {
    requests,
    degraded: -1,
    rpcRequests: {
      inc: ({ method, result }) =>
        void requests.set(`${method}/${result}`, (requests.get(`${method}/${result}`) ?? 0) + 1),
    },
    rpcDegraded: {
      set: (v) => {
        m.degraded = v;
      },
    },
    count(method, result) {
      let n = 0;
      for (const [k, v] of requests) {
        const [km, kr] = k.split("/");
        if ((method === "*" || km === method) && (result === "*" || kr === result)) n += v;
      }
      return n;
    },
  };
  return m;
}

/** A pino logger that keeps every line in memory. */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

/** Fast test defaults: short timeouts and backoffs, so fault tests finish in milliseconds. */
export function fastProvider(
  urls: string[],
  over: Partial<ChainProviderOptions> = {},
  deps: Parameters<typeof createChainProvider>[1] = {},
): ChainProvider {
  return createChainProvider(
    {
      urls,
      chainId: 31337,
      requestTimeoutMs: 300,
      maxRetries: 2,
      degradedAfterFailures: 3,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
      breakerCooldownMs: 60_000,
      ...over,
    },
    deps,
  );
}
