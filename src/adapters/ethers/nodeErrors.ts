import { type ErrorDescription, Interface, type InterfaceAbi, isError, isHexString } from "ethers";
import { redact } from "../../config/secrets.ts";
import { KeelError } from "../../domain/errors.ts";
import { revertError } from "../../execution/errors.ts";
import type { DecodedRevert } from "../../ports/chainReader.ts";
import { loadArtifact } from "./artifacts.ts";

/** Contracts whose custom errors can surface from a rebalance (the allocator bubbles its adapters' reverts). */
export const REVERT_SOURCES = [
  "KeelAllocator",
  "KeelVault",
  "ERC4626Adapter",
  "AaveV3Adapter",
  "UniswapV2LpAdapter",
] as const;

/** Errors known without any artifact: the allocator's replay guard and library errors that bubble up. */
const BASE_ERRORS = [
  "error IntentAlreadyUsed(bytes32 intentId)",
  "error EnforcedPause()",
  "error ExpectedPause()",
  "error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)",
  "error ReentrancyGuardReentrantCall()",
  "error SafeERC20FailedOperation(address token)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error Error(string message)",
  "error Panic(uint256 code)",
];

/** Where in sending an error was raised. */
export type SendStage = "simulate" | "estimate" | "send";

/**
 * The one translator of node and library errors into KeelErrors (viem's `getNodeError`): every
 * adapter that talks to the chain maps what it catches through it, so a revert reads the same in the
 * daemon, the CLI and the tests.
 */
export interface NodeErrors {
  /** Decodes revert data (`0x` + selector + args); undefined when it is not known. */
  decodeRevert(data: string | null | undefined): DecodedRevert | undefined;
  /** The decoded revert carried by whatever an ethers call or a node threw. */
  revertOf(err: unknown): DecodedRevert | undefined;
  /** Translates an error raised while simulating, estimating or sending. */
  translate(err: unknown, stage: SendStage): KeelError;
}

/** Builds the translator over the base errors and the custom errors of `abis` (duplicates ignored). */
export function createNodeErrors(abis: readonly InterfaceAbi[] = []): NodeErrors {
  const fragments = new Map<string, unknown>();
  for (const abi of [BASE_ERRORS, ...abis]) {
    for (const f of new Interface(abi).fragments) {
      const key = f.type === "error" ? f.format("sighash") : undefined;
      if (key !== undefined && !fragments.has(key)) fragments.set(key, f);
    }
  }
  const iface = new Interface([...fragments.values()] as never);
  const decodeRevert = (data: string | null | undefined): DecodedRevert | undefined => {
    if (!data || !isHexString(data) || data.length < 10) return undefined;
    let parsed: ErrorDescription | null = null;
    try {
      parsed = iface.parseError(data);
    } catch {
      parsed = null;
    }
    if (!parsed) return undefined;
    return { name: parsed.name, args: parsed.args.map((a: unknown) => String(a)), selector: parsed.selector };
  };
  const revertOf = (err: unknown) => decodeRevert(revertDataOf(err));
  return { decodeRevert, revertOf, translate: (err, stage) => translateNodeError(err, revertOf, stage) };
}

let loaded: NodeErrors | undefined;

/**
 * The translator with the custom errors of the allocator, the vault and every adapter read from
 * `artifacts/contracts` (ARTIFACT_MISSING when the contracts were not built). Built once per process.
 */
export function loadNodeErrors(): NodeErrors {
  loaded ??= createNodeErrors(REVERT_SOURCES.map((name) => loadArtifact(name).abi));
  return loaded;
}

/** Digs revert data out of whatever an ethers call or a node returned. */
export function revertDataOf(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  for (let depth = 0; depth < 8 && cur && typeof cur === "object" && !seen.has(cur); depth++) {
    seen.add(cur);
    const e = cur as { data?: unknown; info?: { error?: { data?: unknown } }; error?: unknown; cause?: unknown };
    const found = hexData(e.data, 10) ?? hexData(e.info?.error?.data, 0);
    if (found) return found;
    cur = e.error ?? e.cause;
  }
  return undefined;
}

/** A hex string at least `minLength` long, directly or as `.data` of an object. */
function hexData(v: unknown, minLength: number): string | undefined {
  if (typeof v === "string") return isHexString(v) && v.length >= minLength ? v : undefined;
  const inner = v && typeof v === "object" ? (v as { data?: unknown }).data : undefined;
  return typeof inner === "string" && isHexString(inner) ? inner : undefined;
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

/** True when a node says the transaction is already in its pool. */
export function isAlreadyKnown(err: unknown): boolean {
  return /already known|already imported|known transaction/i.test((err as Error)?.message ?? "");
}

/** True when a node says the transaction's nonce was used. */
export function isNonceUsed(err: unknown): boolean {
  return (
    isError(err, "NONCE_EXPIRED") || /nonce too low|nonce has already been used/i.test((err as Error)?.message ?? "")
  );
}

function coded(code: string, message: string, stage: SendStage, err?: unknown): KeelError {
  return new KeelError(code, message, {
    retryable: true,
    context: { stage },
    ...(err === undefined ? {} : { cause: scrubbedCause(err) }),
  });
}

function translateNodeError(
  err: unknown,
  revertOf: (err: unknown) => DecodedRevert | undefined,
  stage: SendStage,
): KeelError {
  if (err instanceof KeelError) return err;
  if (isRevert(err) && stage !== "send") return revertError(stage, revertOf(err), {}, scrubbedCause(err));
  if (isError(err, "INSUFFICIENT_FUNDS"))
    return coded("KEEPER_INSUFFICIENT_FUNDS", "keeper account cannot pay for gas", stage);
  if (isError(err, "NONCE_EXPIRED")) return coded("NONCE_TOO_LOW", "nonce already used on chain", stage);
  if (isError(err, "REPLACEMENT_UNDERPRICED"))
    return coded("REPLACEMENT_UNDERPRICED", "replacement fee too low", stage);
  if (isError(err, "TIMEOUT") || isError(err, "NETWORK_ERROR") || isError(err, "SERVER_ERROR")) {
    return coded("RPC_UNAVAILABLE", `RPC failure during ${stage}`, stage, err);
  }
  if (isFeeCapTooLow(err)) {
    return coded(
      "FEE_CAP_TOO_LOW",
      `the node refused the transaction at ${stage}: fee cap below the base fee`,
      stage,
      err,
    );
  }
  // A node that executes a raw transaction on arrival (Hardhat's automine) reports its revert at send.
  if (isRevert(err)) return revertError(stage, revertOf(err), {}, scrubbedCause(err));
  return coded("EXECUTION_FAILED", `execution failed during ${stage}`, stage, err);
}
