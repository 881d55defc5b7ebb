import { type ErrorDescription, Interface, type InterfaceAbi, id, isHexString, ZeroHash } from "ethers";
import type { DecisionCommitment } from "../../domain/commitment.ts";
import type { Move } from "../../domain/decision.ts";

/** The allocator surface execution relies on (the full artifact ABI is merged in when given). */
export const ALLOCATOR_CORE_ABI = [
  "function rebalance(bytes32 intentId, (address adapter, bool deposit, uint256 assets)[] moves, (bytes32 snapshotHash, bytes32 modelHash, bytes32 configHash) commitment)",
  "function intentUsed(bytes32 intentId) view returns (bool)",
  "event Rebalanced(bytes32 indexed intentId, address indexed caller, uint256 totalAssetsBefore, uint256 totalAssetsAfter, uint256 loss, (address adapter, bool deposit, uint256 assets)[] moves, (bytes32 snapshotHash, bytes32 modelHash, bytes32 configHash) commitment)",
  "error IntentAlreadyUsed(bytes32 intentId)",
  // OpenZeppelin errors that can bubble up through a rebalance.
  "error EnforcedPause()",
  "error ExpectedPause()",
  "error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)",
  "error ReentrancyGuardReentrantCall()",
  "error SafeERC20FailedOperation(address token)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error Error(string message)",
  "error Panic(uint256 code)",
] as const;

/** A decoded revert: the custom error's name and its arguments rendered as strings. */
export interface DecodedRevert {
  readonly name: string;
  readonly args: readonly string[];
  readonly selector: string;
}

/** Encodes rebalance calldata and decodes allocator reverts. */
export interface AllocatorCodec {
  readonly iface: Interface;
  /** The on-chain intent id for a decision id: keccak256 of its UTF-8 bytes. */
  intentIdOf(intentId: string): string;
  /** `rebalance` calldata; the commitment's hashes become bytes32 words (`commitmentWord`), zero when absent. */
  encodeRebalance(intentId: string, moves: readonly Move[], commitment?: DecisionCommitment): string;
  /** Decodes revert data (`0x` + selector + args); undefined when it is not known. */
  decodeRevert(data: string | null | undefined): DecodedRevert | undefined;
  /** Keccak topic of `Rebalanced`. */
  readonly rebalancedTopic: string;
}

/**
 * A journal hash as the bytes32 word a rebalance carries: hex digests as they are (right-padded: the config hash
 * is 8 bytes), anything else (a baseline forecaster's name) as keccak256 of its UTF-8 bytes; "" as zero.
 */
export function commitmentWord(hash: string): string {
  if (hash === "") return ZeroHash;
  const hex = hash.startsWith("0x") ? hash.slice(2) : hash;
  if (/^[0-9a-fA-F]+$/.test(hex) && hex.length % 2 === 0 && hex.length <= 64)
    return `0x${hex.toLowerCase().padEnd(64, "0")}`;
  return id(hash);
}

/** The commitment tuple `rebalance` takes. */
export function commitmentTuple(c: DecisionCommitment | undefined): [string, string, string] {
  return c
    ? [commitmentWord(c.snapshotHash), commitmentWord(c.modelHash), commitmentWord(c.configHash)]
    : [ZeroHash, ZeroHash, ZeroHash];
}

/** Maps a plan move onto the allocator's `(adapter, deposit, assets)` tuple. */
export function toOnchainMove(m: Move): [string, boolean, bigint] {
  return [m.sourceId, m.direction === "deposit", m.amount];
}

/**
 * Builds the codec. `extraAbis` are artifact ABIs (allocator, vault, adapters) whose custom errors
 * should be decodable too; duplicates are ignored.
 */
export function createAllocatorCodec(extraAbis: readonly InterfaceAbi[] = []): AllocatorCodec {
  const fragments = new Map<string, unknown>();
  const base = new Interface(ALLOCATOR_CORE_ABI as unknown as string[]);
  for (const f of base.fragments) fragments.set(f.format("sighash") + f.type, f);
  for (const abi of extraAbis) {
    for (const f of new Interface(abi).fragments) {
      if (f.type !== "function" && f.type !== "error" && f.type !== "event") continue;
      const key = f.format("sighash") + f.type;
      if (!fragments.has(key)) fragments.set(key, f);
    }
  }
  const iface = new Interface([...fragments.values()] as never);
  const rebalancedTopic = iface.getEvent("Rebalanced")?.topicHash ?? "";
  return {
    iface,
    rebalancedTopic,
    intentIdOf: (intentId) => id(intentId),
    encodeRebalance: (intentId, moves, commitment) =>
      iface.encodeFunctionData("rebalance", [id(intentId), moves.map(toOnchainMove), commitmentTuple(commitment)]),
    decodeRevert(data) {
      if (!data || !isHexString(data) || data.length < 10) return undefined;
      let parsed: ErrorDescription | null = null;
      try {
        parsed = iface.parseError(data);
      } catch {
        parsed = null;
      }
      if (!parsed) return undefined;
      return { name: parsed.name, args: parsed.args.map((a: unknown) => String(a)), selector: parsed.selector };
    },
  };
}

/** Digs revert data out of whatever an ethers call or a node returned. */
export function revertDataOf(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  for (let depth = 0; depth < 8 && cur && typeof cur === "object" && !seen.has(cur); depth++) {
    seen.add(cur);
    const e = cur as { data?: unknown; info?: { error?: { data?: unknown } }; error?: unknown; cause?: unknown };
    if (typeof e.data === "string" && isHexString(e.data) && e.data.length >= 10) return e.data;
    if (e.data && typeof e.data === "object") {
      const inner = (e.data as { data?: unknown }).data;
      if (typeof inner === "string" && isHexString(inner)) return inner;
    }
    const infoData = e.info?.error?.data;
    if (typeof infoData === "string" && isHexString(infoData)) return infoData;
    if (infoData && typeof infoData === "object") {
      const inner = (infoData as { data?: unknown }).data;
      if (typeof inner === "string" && isHexString(inner)) return inner;
    }
    cur = e.error ?? e.cause;
  }
  return undefined;
}

/** True for revert names that mean the vault or allocator is paused (terminal for an intent). */
export function isPauseRevert(name: string): boolean {
  return /pause|shutdown/i.test(name) && name !== "ExpectedPause";
}

/** Contracts whose custom errors can surface from a rebalance. */
export const REVERT_SOURCES = [
  "KeelAllocator",
  "KeelVault",
  "ERC4626Adapter",
  "AaveV3Adapter",
  "UniswapV2LpAdapter",
] as const;
