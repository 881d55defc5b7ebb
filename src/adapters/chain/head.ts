import type { Logger } from "pino";
import { type Reason, reason } from "../../domain/reasons.ts";
import type { Clock } from "../../ports/clock.ts";
import type { ChainMetrics, ChainProviderOptions } from "./types.ts";

/** What one endpoint said the head was. */
export interface EndpointHead {
  readonly endpoint: string;
  readonly block?: number;
  /** Unix seconds, from the block itself. */
  readonly timestamp?: number;
  /** Redacted. */
  readonly error?: string;
}

/** Freshness and agreement of the head; `ok: false` means: freeze decisions (observe only). */
export interface HeadCheck {
  readonly ok: boolean;
  /** The highest head among the endpoints that answered. */
  readonly block: number | undefined;
  readonly timestamp: number | undefined;
  /** Wall-clock age of that block by its own timestamp. */
  readonly ageSeconds: number | undefined;
  readonly endpoints: readonly EndpointHead[];
  /** `RPC_NO_QUORUM`, `RPC_HEAD_DISAGREE`, `HEAD_STALE`, `HEAD_STALLED` (severity halt). */
  readonly reasons: readonly Reason[];
}

/** Memory between head checks, to notice a head that stops moving. */
export interface HeadState {
  number: number | undefined;
  changedAtMs: number;
}

/** Reads one endpoint's latest block (one attempt): its number and timestamp, or a redacted error message. */
export type LatestBlockProbe<E> = (endpoint: E) => Promise<{ block: number; timestamp: number } | { error: string }>;

type Head = { endpoint: string; block: number; timestamp: number };

/**
 * Judges the top head's freshness (adding HEAD_STALE or HEAD_STALLED to `reasons`) and tracks when the head number
 * last moved; returns the head's age in seconds by its own timestamp.
 */
function judgeFreshness(
  top: Head,
  state: HeadState,
  opts: Pick<Required<ChainProviderOptions>, "maxHeadAgeSeconds" | "maxHeadStallSeconds">,
  nowMs: number,
  reasons: Reason[],
): number {
  const ageSeconds = Math.max(0, nowMs / 1000 - top.timestamp);
  if (ageSeconds > opts.maxHeadAgeSeconds) {
    reasons.push(
      reason("HEAD_STALE", `the latest block is ${Math.round(ageSeconds)} s old`, {
        value: Math.round(ageSeconds),
        limit: opts.maxHeadAgeSeconds,
        severity: "halt",
      }),
    );
  }
  if (state.number !== top.block) {
    state.number = top.block;
    state.changedAtMs = nowMs;
  } else if ((nowMs - state.changedAtMs) / 1000 > opts.maxHeadStallSeconds) {
    const stalled = Math.round((nowMs - state.changedAtMs) / 1000);
    reasons.push(
      reason("HEAD_STALLED", `the head has not moved for ${stalled} s`, {
        value: stalled,
        limit: opts.maxHeadStallSeconds,
        severity: "halt",
      }),
    );
  }
  return ageSeconds;
}

/**
 * Asks every endpoint for its latest block (one attempt each, in parallel) and judges the head:
 * at least `headQuorum` endpoints answer, they agree within `maxHeadSpreadBlocks`, the block is at most
 * `maxHeadAgeSeconds` old by its own timestamp, and the head number moved within `maxHeadStallSeconds`.
 */
export async function checkHead<E extends { readonly label: string; readonly wrongChain: boolean }>(
  endpoints: readonly E[],
  probe: LatestBlockProbe<E>,
  state: HeadState,
  opts: Required<ChainProviderOptions>,
  clock: Clock,
  metrics?: ChainMetrics,
): Promise<HeadCheck> {
  const answers: EndpointHead[] = await Promise.all(
    endpoints
      .filter((ep) => !ep.wrongChain)
      .map(async (ep): Promise<EndpointHead> => ({ endpoint: ep.label, ...(await probe(ep)) })),
  );
  const heads = answers.filter((a): a is Head => a.block !== undefined && a.timestamp !== undefined);
  const reasons: Reason[] = [];
  const nowMs = clock.now();
  if (heads.length < opts.headQuorum) {
    reasons.push(
      reason(
        "RPC_NO_QUORUM",
        `${heads.length} of ${endpoints.length} RPC endpoints answered, ${opts.headQuorum} needed`,
        {
          value: heads.length,
          limit: opts.headQuorum,
          severity: "halt",
        },
      ),
    );
  }
  const top = heads.reduce<Head | undefined>(
    (best, h) => (best === undefined || h.block > best.block ? h : best),
    undefined,
  );
  if (heads.length > 1) {
    const spread = Math.max(...heads.map((h) => h.block)) - Math.min(...heads.map((h) => h.block));
    if (spread > opts.maxHeadSpreadBlocks) {
      reasons.push(
        reason("RPC_HEAD_DISAGREE", `RPC endpoints disagree on the head by ${spread} blocks`, {
          value: spread,
          limit: opts.maxHeadSpreadBlocks,
          severity: "halt",
        }),
      );
    }
  }
  const ageSeconds = top ? judgeFreshness(top, state, opts, nowMs, reasons) : undefined;
  metrics?.rpcHeadChecks?.inc({ result: reasons[0]?.code.toLowerCase() ?? "ok" });
  return {
    ok: reasons.length === 0,
    block: top?.block,
    timestamp: top?.timestamp,
    ageSeconds,
    endpoints: answers,
    reasons,
  };
}

/**
 * Keeps an endpoint's highest head monotonic: a head lower than the highest seen by more than
 * `maxRegressionBlocks` is a problem (returned as a message); a shallower one is accepted as a reorg.
 */
export function trackHead(
  ep: { label: string; highestHead: bigint | undefined },
  method: string,
  params: unknown,
  result: unknown,
  maxRegressionBlocks: number,
  logger?: Logger,
): string | undefined {
  let head: bigint | undefined;
  if (method === "eth_blockNumber") head = BigInt(result as string);
  if (method === "eth_getBlockByNumber" && Array.isArray(params) && params[0] === "latest" && result !== null) {
    head = BigInt((result as { number: string }).number);
  }
  if (head === undefined) return undefined;
  const highest = ep.highestHead;
  if (highest !== undefined && head + BigInt(maxRegressionBlocks) < highest) {
    return `${ep.label} head went backwards from ${highest} to ${head}`;
  }
  if (highest !== undefined && head < highest) {
    logger?.warn({ endpoint: ep.label, from: Number(highest), to: Number(head) }, "rpc head moved back (reorg)");
  }
  ep.highestHead = head;
  return undefined;
}
