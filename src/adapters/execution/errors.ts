import { isError } from "ethers";
import { redact } from "../../config/secrets.ts";
import { KeelError } from "../../domain/errors.ts";
import { type AllocatorCodec, type DecodedRevert, isPauseRevert, revertDataOf } from "./allocatorCodec.ts";

/** A revert, decoded: EXECUTION_REVERTED, never retryable; `paused` marks the terminal pause case. */
export function revertError(
  stage: "simulate" | "estimate" | "send" | "receipt",
  decoded: DecodedRevert | undefined,
  context: Record<string, string | number | boolean> = {},
  cause?: unknown,
): KeelError {
  const name = decoded?.name ?? "unknown";
  const paused = decoded !== undefined && isPauseRevert(decoded.name);
  const args = decoded && decoded.args.length > 0 ? `(${decoded.args.join(", ")})` : "";
  return new KeelError("EXECUTION_REVERTED", `rebalance reverted at ${stage}: ${name}${args}`, {
    retryable: false,
    context: { stage, error: name, paused, terminal: true, ...context },
    ...(cause === undefined ? {} : { cause: scrubbedCause(cause) }),
  });
}

/**
 * The redacted first line of a library error: the node's own message when it sent one (ethers wraps
 * it as "could not coalesce error"), else ethers' short message. Its request info may carry URLs.
 */
export function errorReason(err: unknown): string {
  const e = err as { shortMessage?: string; error?: { message?: unknown } } | undefined;
  const nodeSays = typeof e?.error?.message === "string" ? e.error.message : undefined;
  const msg = nodeSays ?? e?.shortMessage ?? (err instanceof Error ? err.message : String(err));
  return redact(msg.split("\n")[0] ?? "");
}

/** Keeps only the reason of a library error (see errorReason). */
function scrubbedCause(err: unknown): Error {
  return new Error(errorReason(err));
}

/** geth's and anvil's wording, and Hardhat's ("maxFeePerGas (…) is too low for the next block"). */
const FEE_CAP_TOO_LOW = /max ?fee ?per ?gas.{0,80}(too low|less than)|fee cap less than block base fee/i;

/**
 * True when the node refused a transaction because its fee cap is below the next block's base fee: it
 * never took it. Automining nodes refuse where a mempool would hold it until the base fee falls.
 */
export function isFeeCapTooLow(err: unknown): boolean {
  return FEE_CAP_TOO_LOW.test(errorReason(err));
}

/** True when ethers says a call reverted (as opposed to a transport failure). */
export function isRevert(err: unknown): boolean {
  return isError(err, "CALL_EXCEPTION") || revertDataOf(err) !== undefined;
}

/** Translates an ethers error raised while simulating or sending into a KeelError. */
export function translateSendError(
  err: unknown,
  codec: AllocatorCodec,
  stage: "simulate" | "estimate" | "send",
): KeelError {
  if (err instanceof KeelError) return err;
  if (isRevert(err) && stage !== "send") return revertError(stage, codec.decodeRevert(revertDataOf(err)), {}, err);
  if (isError(err, "INSUFFICIENT_FUNDS")) {
    return new KeelError("KEEPER_INSUFFICIENT_FUNDS", "keeper account cannot pay for gas", {
      retryable: true,
      context: { stage },
    });
  }
  if (isError(err, "NONCE_EXPIRED")) {
    return new KeelError("NONCE_TOO_LOW", "nonce already used on chain", { retryable: true, context: { stage } });
  }
  if (isError(err, "REPLACEMENT_UNDERPRICED")) {
    return new KeelError("REPLACEMENT_UNDERPRICED", "replacement fee too low", { retryable: true, context: { stage } });
  }
  if (isError(err, "TIMEOUT") || isError(err, "NETWORK_ERROR") || isError(err, "SERVER_ERROR")) {
    return new KeelError("RPC_UNAVAILABLE", `RPC failure during ${stage}`, {
      retryable: true,
      context: { stage },
      cause: scrubbedCause(err),
    });
  }
  if (isFeeCapTooLow(err)) {
    return new KeelError(
      "FEE_CAP_TOO_LOW",
      `the node refused the transaction at ${stage}: fee cap below the base fee`,
      {
        retryable: true,
        context: { stage },
        cause: scrubbedCause(err),
      },
    );
  }
  // A node that executes a raw transaction on arrival (Hardhat's automine) reports its revert at send.
  if (isRevert(err)) return revertError(stage, codec.decodeRevert(revertDataOf(err)), {}, err);
  return new KeelError("EXECUTION_FAILED", `execution failed during ${stage}`, {
    retryable: true,
    context: { stage },
    cause: scrubbedCause(err),
  });
}
