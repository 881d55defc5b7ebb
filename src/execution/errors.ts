import { KeelError } from "../domain/errors.ts";
import type { IntentRecord } from "../domain/intent.ts";
import type { DecodedRevert } from "../ports/chainReader.ts";

/** True for revert names that mean the vault or allocator is paused (terminal for an intent). */
export function isPauseRevert(name: string): boolean {
  return /pause|shutdown/i.test(name) && name !== "ExpectedPause";
}

/** A revert, decoded: EXECUTION_REVERTED, never retryable; `paused` marks the terminal pause case. */
export function revertError(
  stage: "simulate" | "estimate" | "send" | "receipt",
  decoded: DecodedRevert | undefined,
  context: Record<string, string | number | boolean> = {},
  cause?: Error,
): KeelError {
  const name = decoded?.name ?? "unknown";
  const paused = decoded !== undefined && isPauseRevert(decoded.name);
  const args = decoded && decoded.args.length > 0 ? `(${decoded.args.join(", ")})` : "";
  return new KeelError("EXECUTION_REVERTED", `rebalance reverted at ${stage}: ${name}${args}`, {
    retryable: false,
    context: { stage, error: name, paused, terminal: true, ...context },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The decoded error name of an EXECUTION_REVERTED KeelError; undefined for anything else or an unknown revert. */
export function revertNameOf(err: unknown): string | undefined {
  if (!(err instanceof KeelError) || err.code !== "EXECUTION_REVERTED") return undefined;
  const name = err.context.error;
  return typeof name === "string" && name !== "unknown" ? name : undefined;
}

/** The error a caller gets when an earlier intent is still unsettled: no new intent until it is. */
export function inFlightError(rec: IntentRecord): KeelError {
  return new KeelError("INTENT_IN_FLIGHT", `intent ${rec.id} is still ${rec.state}; no new intent until it settles`, {
    retryable: true,
    context: { intentId: rec.id, state: rec.state, nonce: rec.nonce ?? null },
  });
}
