import type { JsonRpcError, JsonRpcResult } from "ethers";
import type { Logger } from "pino";
import { KeelError } from "../../domain/errors.ts";
import { unavailable } from "./errors.ts";
import type { RpcPayload } from "./transport.ts";
import type { ChainMetrics } from "./types.ts";

const STATE_METHODS: ReadonlySet<string> = new Set(["eth_call", "eth_getBalance", "eth_getCode", "eth_getStorageAt"]);

/** A state read at a block number (not `latest`): every honest endpoint that has the block gives one answer. */
export function isPinnedStateRead(payload: RpcPayload): boolean {
  if (!STATE_METHODS.has(payload.method) || !Array.isArray(payload.params)) return false;
  const tag = payload.method === "eth_call" ? payload.params[1] : payload.params.at(-1);
  return typeof tag === "string" && /^0x[0-9a-fA-F]+$/.test(tag);
}

/** One endpoint's answer to a state read (`{ error }` from the node included). */
export interface StateAnswer {
  readonly endpoint: string;
  readonly res: JsonRpcResult | JsonRpcError;
}

/**
 * Judges the answers of several endpoints to one state read: the answer given by a strict majority of
 * those that answered, and by at least `quorum` of them, wins (a differing minority is outvoted: logged,
 * counted). A revert (an error with data) is an answer; a node that cannot serve the block is not. No
 * winner while endpoints answered differently is `RPC_STATE_DISAGREE` (retryable); agreeing answers too
 * few for the quorum are `RPC_UNAVAILABLE`. Returns undefined when nobody gave an answer.
 */
export function judgeStateAnswers(
  payload: RpcPayload,
  answers: readonly StateAnswer[],
  quorum: number,
  deps: { metrics?: ChainMetrics; logger?: Logger },
): JsonRpcResult | JsonRpcError | undefined {
  const got = answers.filter((a) => !("error" in a.res) || a.res.error.data !== undefined);
  if (got.length === 0) return undefined;
  const votes = new Map<string, { res: JsonRpcResult | JsonRpcError; eps: string[] }>();
  for (const { endpoint, res } of got) {
    const key = "error" in res ? `error:${JSON.stringify(res.error.data)}` : JSON.stringify(res.result);
    const entry = votes.get(key) ?? { res, eps: [] };
    entry.eps.push(endpoint);
    votes.set(key, entry);
  }
  const ranked = [...votes.values()].sort((a, b) => b.eps.length - a.eps.length);
  const top = ranked[0]!;
  const count = (result: string) => deps.metrics?.rpcStateChecks?.inc({ result });
  if (top.eps.length * 2 > got.length && top.eps.length >= quorum) {
    if (ranked.length > 1) {
      const outvoted = ranked.slice(1).flatMap((v) => v.eps);
      deps.logger?.warn({ method: payload.method, outvoted, agreed: top.eps }, "rpc state read outvoted");
      count("outvoted");
    } else count("ok");
    return { ...top.res, id: payload.id as number };
  }
  if (ranked.length === 1) throw unavailable(payload.method, got.length, undefined);
  count("disagree");
  const groups = ranked.map((v) => v.eps.join("+")).join(" vs ");
  deps.logger?.error({ method: payload.method, groups }, "rpc endpoints disagree on a state read");
  throw new KeelError(
    "RPC_STATE_DISAGREE",
    `RPC endpoints disagree on ${payload.method} at a block (${groups}); ${quorum} needed to agree`,
    { retryable: true, context: { method: payload.method, groups } },
  );
}
