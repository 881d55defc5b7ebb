import { redact } from "../../config/secrets.ts";
import { KeelError } from "../../domain/errors.ts";
import type { RpcResultLabel } from "./types.ts";

/** Stable codes of chain-access failures. */
export const ChainErrorCode = {
  /** The node serves another chain. Fatal at start. */
  chainIdMismatch: "CHAIN_ID_MISMATCH",
  /** No endpoint produced a valid answer within the retry budget. Retryable. */
  unavailable: "RPC_UNAVAILABLE",
  /** A transaction was handed to a node but its fate is unknown (timeout, reset). Never resend under a new nonce. */
  sendStatusUnknown: "RPC_SEND_STATUS_UNKNOWN",
  /** The provider was closed. */
  closed: "RPC_CLOSED",
} as const;

/** One failed attempt against one endpoint: its metric label and a redacted message. */
export class AttemptError extends Error {
  readonly result: Exclude<RpcResultLabel, "ok" | "rpc_error">;
  /** True when the request provably never reached the node (so even a send may go elsewhere). */
  readonly notSent: boolean;
  constructor(result: AttemptError["result"], message: string, notSent = false) {
    super(message);
    this.name = "AttemptError";
    this.result = result;
    this.notSent = notSent;
  }
}

/** Builds a scrubber that removes every configured URL (and its origin) and every known secret from text. */
export function makeScrubber(urls: readonly string[]): (text: string) => string {
  const needles: [string, string][] = [];
  urls.forEach((url, i) => {
    needles.push([url, `rpc#${i}`]);
    try {
      const u = new URL(url);
      needles.push([u.host + u.pathname, `rpc#${i}`]);
      needles.push([u.host, `rpc#${i}`]);
    } catch {
      // not a URL: the whole string is already a needle
    }
  });
  needles.sort((a, b) => b[0].length - a[0].length);
  return (text) => {
    let out = redact(text);
    for (const [needle, label] of needles) if (needle.length >= 4) out = out.split(needle).join(label);
    return out;
  };
}

/** Maps a fetch/network failure to an attempt error. Timeouts and resets after sending are "maybe sent". */
export function classifyTransportError(err: unknown, timedOut: boolean, scrub: (s: string) => string): AttemptError {
  if (timedOut) return new AttemptError("timeout", "request timed out");
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? "";
  const notSent = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
  const detail = code || e.cause?.message || e.message || "network error";
  return new AttemptError("network", scrub(`network error: ${detail}`), notSent);
}

/** The error a request fails with once every attempt failed. */
export function unavailable(method: string, attempts: number, last: AttemptError | undefined): KeelError {
  return new KeelError(
    ChainErrorCode.unavailable,
    `RPC ${method} failed after ${attempts} attempt(s): ${last?.message ?? "no endpoint available"}`,
    {
      retryable: true,
      context: { method, attempts, result: last?.result ?? "circuit_open" },
    },
  );
}
