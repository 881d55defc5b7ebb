import { Interface, type InterfaceAbi, id, ZeroHash } from "ethers";
import type { DecisionCommitment } from "../../domain/commitment.ts";
import type { Move } from "../../domain/decision.ts";
import { KeelAllocatorAbi, UniswapV3LpAdapterAbi } from "../ethers/abi/generated.ts";

/**
 * The allocator surface execution relies on: `rebalance`, `intentUsed` and `Rebalanced` from the generated
 * allocator ABI (the full artifact ABIs are merged in when given).
 */
const ALLOCATOR_CORE = KeelAllocatorAbi.filter(
  (f) => "name" in f && (f.name === "rebalance" || f.name === "intentUsed" || f.name === "Rebalanced"),
);

/** The Uniswap v3 position adapter's keeper move: `UniswapV3LpAdapter.rerange(int24,int24)`, selector 0x95d7dfb7. */
const RERANGE = UniswapV3LpAdapterAbi.filter((f) => f.type === "function" && f.name === "rerange");

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

const coreIface = new Interface(ALLOCATOR_CORE);

/** `rebalance` calldata, decoded: the on-chain intent id, the moves (as plan moves) and the commitment's words. */
export interface DecodedRebalance {
  readonly onchainId: string;
  readonly moves: Move[];
  readonly commitment: { readonly snapshotHash: string; readonly modelHash: string; readonly configHash: string };
}

/** `rebalance` calldata, decoded; undefined for any other call or data that does not decode. */
export function decodeRebalance(data: string): DecodedRebalance | undefined {
  let parsed: ReturnType<Interface["parseTransaction"]>;
  try {
    parsed = coreIface.parseTransaction({ data });
  } catch {
    return undefined;
  }
  if (parsed?.name !== "rebalance") return undefined;
  const [snapshotHash, modelHash, configHash] = parsed.args[2] as [string, string, string];
  return {
    onchainId: parsed.args[0] as string,
    moves: (parsed.args[1] as [string, boolean, bigint][]).map(([adapter, deposit, assets]) => ({
      sourceId: adapter,
      direction: deposit ? "deposit" : "withdraw",
      amount: assets,
    })),
    commitment: { snapshotHash, modelHash, configHash },
  };
}

/** The moves of `rebalance` calldata, as plan moves; undefined for any other call or data that does not decode. */
export function decodeRebalanceMoves(data: string): Move[] | undefined {
  return decodeRebalance(data)?.moves;
}

/** The 4-byte selector of `rebalance`. */
export const REBALANCE_SELECTOR = coreIface.getFunction("rebalance")!.selector;

/** Builds the codec. `extraAbis` are artifact ABIs (allocator, vault, adapters) merged in; duplicates are ignored. */
export function createAllocatorCodec(extraAbis: readonly InterfaceAbi[] = []): AllocatorCodec {
  const fragments = new Map<string, unknown>();
  const base = new Interface([...ALLOCATOR_CORE, ...RERANGE]);
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
