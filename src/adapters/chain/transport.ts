import { AttemptError, classifyTransportError } from "./errors.ts";
import { type RpcEnvelope, validateResponse } from "./validate.ts";

/** A JSON-RPC request as ethers hands it over. */
export interface RpcPayload {
  readonly method: string;
  readonly params: readonly unknown[] | Record<string, unknown>;
  readonly id: number | string;
  readonly jsonrpc: "2.0";
}

const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * One HTTP attempt against one endpoint, bounded by `timeoutMs` from connect to the last body byte.
 * Returns a validated envelope or throws an `AttemptError` (never the URL in its message).
 */
export async function postJsonRpc(
  url: string,
  payload: RpcPayload,
  opts: { timeoutMs: number; signal: AbortSignal; scrub: (s: string) => string; fetch?: typeof fetch },
): Promise<RpcEnvelope> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = AbortSignal.any([timeout, opts.signal]);
  let status: number;
  let text: string;
  try {
    const res = await (opts.fetch ?? fetch)(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      signal,
      redirect: "error",
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    if (opts.signal.aborted) throw opts.signal.reason;
    throw classifyTransportError(err, timeout.aborted, opts.scrub);
  }
  if (text.length > MAX_RESPONSE_BYTES) throw new AttemptError("bad_response", "response too large");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (status < 200 || status >= 300) throw new AttemptError("http_error", `HTTP ${status}`);
    throw new AttemptError("bad_response", "response is not JSON");
  }
  const envelope = validateResponse(payload.method, payload.id, body, payload.params);
  if (status < 200 || status >= 300) {
    // Some nodes answer JSON-RPC errors with HTTP 4xx; anything else non-2xx is the transport failing.
    if (typeof envelope !== "string" && envelope.kind === "error") return envelope;
    throw new AttemptError("http_error", `HTTP ${status}`);
  }
  if (typeof envelope === "string") throw new AttemptError("bad_response", opts.scrub(envelope));
  return envelope;
}
