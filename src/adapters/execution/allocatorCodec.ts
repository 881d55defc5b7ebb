import { Interface, type InterfaceAbi, id, ZeroHash } from "ethers";
import type { DecisionCommitment } from "../../domain/commitment.ts";
import type { Move } from "../../domain/decision.ts";

/** The allocator surface execution relies on (the full artifact ABI is merged in when given). */
export const ALLOCATOR_CORE_ABI = [
  "function rebalance(bytes32 intentId, (address adapter, bool deposit, uint256 assets)[] moves, (bytes32 snapshotHash, bytes32 modelHash, bytes32 configHash) commitment)",
  "function intentUsed(bytes32 intentId) view returns (bool)",
  "event Rebalanced(bytes32 indexed intentId, address indexed caller, uint256 totalAssetsBefore, uint256 totalAssetsAfter, uint256 loss, (address adapter, bool deposit, uint256 assets)[] moves, (bytes32 snapshotHash, bytes32 modelHash, bytes32 configHash) commitment)",
] as const;

/** The Uniswap v3 position adapter's keeper move: `UniswapV3LpAdapter.rerange(int24,int24)`, selector 0x95d7dfb7. */
export const RERANGE_ABI = ["function rerange(int24 tickLower, int24 tickUpper)"] as const;

/** Encodes rebalance calldata and reads its event (errors are decoded by `NodeErrors`, ../ethers/nodeErrors.ts). */
export interface AllocatorCodec {
  readonly iface: Interface;
  /** The on-chain intent id for a decision id: keccak256 of its UTF-8 bytes. */
  intentIdOf(intentId: string): string;
  /** `rebalance` calldata; the commitment's hashes become bytes32 words (`commitmentWord`), zero when absent. */
  encodeRebalance(intentId: string, moves: readonly Move[], commitment?: DecisionCommitment): string;
  /** `rerange(tickLower, tickUpper)` calldata of a Uniswap v3 position adapter. */
  encodeRerange(tickLower: number, tickUpper: number): string;
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

const coreIface = new Interface(ALLOCATOR_CORE_ABI as unknown as string[]);

/** The moves of `rebalance` calldata, as plan moves; undefined for any other call or data that does not decode. */
export function decodeRebalanceMoves(data: string): Move[] | undefined {
  let parsed: ReturnType<Interface["parseTransaction"]>;
  try {
    parsed = coreIface.parseTransaction({ data });
  } catch {
    return undefined;
  }
  if (parsed?.name !== "rebalance") return undefined;
  return (parsed.args[1] as [string, boolean, bigint][]).map(([adapter, deposit, assets]) => ({
    sourceId: adapter,
    direction: deposit ? "deposit" : "withdraw",
    amount: assets,
  }));
}

/** The 4-byte selector of `rebalance`. */
export const REBALANCE_SELECTOR = coreIface.getFunction("rebalance")!.selector;

/** Builds the codec. `extraAbis` are artifact ABIs (allocator, vault, adapters) merged in; duplicates are ignored. */
export function createAllocatorCodec(extraAbis: readonly InterfaceAbi[] = []): AllocatorCodec {
  const fragments = new Map<string, unknown>();
  const base = new Interface([...ALLOCATOR_CORE_ABI, ...RERANGE_ABI] as unknown as string[]);
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
    encodeRerange: (tickLower, tickUpper) => iface.encodeFunctionData("rerange", [tickLower, tickUpper]),
  };
}
