import { dataSlice, id } from "ethers";
import { type AllocatorCodec, type DecodedRebalance, decodeRebalance } from "../adapters/execution/allocatorCodec.ts";
import type { Move } from "../domain/decision.ts";
import { revertError } from "../execution/errors.ts";
import type {
  CallRequest,
  ChainReader,
  DecodedRevert,
  RebalancedEvent,
  RebalanceEncoder,
  ReceiptView,
} from "../ports/chainReader.ts";
import type { BroadcastOutcome, PublicBroadcaster, SignedTransaction, TxRequest, TxSigner } from "../ports/txSender.ts";

/** The allocator and keeper of the simulated chain (no real deployment: fixed addresses). */
export const SIM_ALLOCATOR = "0x000000000000000000000000000000000000a110";
export const SIM_KEEPER = "0x000000000000000000000000000000000000beef";

/** The adapter address a source has on the simulated chain: the last 20 bytes of keccak256 of its id. */
export function simAdapterAddress(sourceId: string): string {
  return dataSlice(id(sourceId), 12).toLowerCase();
}

/** What the simulated chain's allocator moves: the backtest's vault (`SimMarket.apply`). */
export interface SimVault {
  /** Applies moves (source ids) charging `gasUnits`; returns the moves that moved something. */
  apply(moves: readonly Move[], gasUnits: bigint): { readonly moves: readonly Move[] };
}

/** Ports of the simulated chain. */
export interface SimChainDeps {
  readonly vault: SimVault;
  /** The sources the allocator lists (by id); a move to any other adapter reverts `UnknownAdapter`. */
  readonly sources: readonly string[];
  /** Gas a rebalance of these moves uses (the backtest's per-move gas model). */
  readonly gasUsed: (moves: readonly Move[]) => bigint;
  readonly chainId: number;
  /** What the keeper holds (the backtest does not model it running dry). */
  readonly keeperBalanceWei: bigint;
}

/** The simulated chain: the execution core's ports, and the chain running on by itself between ticks. */
export interface SimChain {
  readonly chain: ChainReader;
  readonly broadcaster: PublicBroadcaster;
  readonly signer: TxSigner;
  /** Encodes rebalances with each source id as its simulated adapter address. */
  readonly encoder: RebalanceEncoder;
  /** Mines `blocks` blocks without a transaction (the chain runs on while the replay waits). */
  advance(blocks: number): void;
}

/** A signed transaction as the simulated chain carries it: the request, as JSON. */
interface SimTx extends Omit<TxRequest, "chainId" | "gasLimit" | "maxFeePerGas" | "maxPriorityFeePerGas" | "value"> {
  readonly hash: string;
}

function revertOf(signature: string, args: readonly string[] = []): DecodedRevert {
  return { name: signature.slice(0, signature.indexOf("(")), args, selector: id(signature).slice(0, 10) };
}

/** The deterministic keeper key: the "raw transaction" is the request as JSON, its hash keccak256 of that. */
function simSigner(): TxSigner {
  return {
    address: async () => SIM_KEEPER,
    async sign(request: TxRequest): Promise<SignedTransaction> {
      const raw = JSON.stringify(request, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
      return {
        hash: id(raw),
        raw,
        maxFeePerGas: request.maxFeePerGas,
        maxPriorityFeePerGas: request.maxPriorityFeePerGas,
      };
    },
  };
}

/** Encodes as the allocator codec does, with source ids mapped to their simulated adapter addresses. */
function simEncoder(codec: AllocatorCodec): RebalanceEncoder {
  return {
    intentIdOf: (intentId) => codec.intentIdOf(intentId),
    encodeRebalance: (intentId, moves, commitment) =>
      codec.encodeRebalance(
        intentId,
        moves.map((m) => ({ ...m, sourceId: simAdapterAddress(m.sourceId) })),
        commitment,
      ),
    encodeRerange: (tickLower, tickUpper) => codec.encodeRerange(tickLower, tickUpper),
  };
}

/** The chain's state: the head, each sender's next nonce, receipts (with their reverts), events, the mempool. */
class SimLedger {
  head = 0;
  readonly mined = new Map<string, number>();
  readonly receipts = new Map<string, { receipt: ReceiptView; revert: DecodedRevert | undefined }>();
  /** `Rebalanced` events by on-chain intent id (the allocator's `intentUsed`). */
  readonly events = new Map<string, RebalancedEvent>();
  private readonly waiting = new Map<string, SimTx>();
  private readonly adapters: ReadonlyMap<string, string>;
  private readonly deps: SimChainDeps;

  constructor(deps: SimChainDeps) {
    this.deps = deps;
    this.adapters = new Map(deps.sources.map((s) => [simAdapterAddress(s), s]));
  }

  nextNonce(address: string): number {
    return this.mined.get(address.toLowerCase()) ?? 0;
  }

  /** The call's moves as source ids, or the allocator's revert. */
  check(call: CallRequest): (Omit<DecodedRebalance, "moves"> & { moves: Move[] }) | { revert: DecodedRevert } {
    const decoded = call.to.toLowerCase() === SIM_ALLOCATOR ? decodeRebalance(call.data) : undefined;
    if (!decoded) return { revert: revertOf("NotARebalance()") };
    if (this.events.has(decoded.onchainId)) {
      return { revert: revertOf("IntentAlreadyUsed(bytes32)", [decoded.onchainId]) };
    }
    if (decoded.moves.length === 0) return { revert: revertOf("NoMoves()") };
    const moves: Move[] = [];
    for (const m of decoded.moves) {
      const source = this.adapters.get(m.sourceId.toLowerCase());
      if (source === undefined) return { revert: revertOf("UnknownAdapter(address)", [m.sourceId]) };
      moves.push({ ...m, sourceId: source });
    }
    return { ...decoded, moves };
  }

  /** Takes a raw transaction into the mempool and mines what is ready. */
  send(raw: string): BroadcastOutcome {
    const tx = JSON.parse(raw) as Omit<SimTx, "hash">;
    const hash = id(raw);
    if (tx.nonce < this.nextNonce(tx.from)) return "nonce-used";
    if (this.waiting.has(hash)) return "accepted";
    this.waiting.set(hash, { from: tx.from, nonce: tx.nonce, to: tx.to, data: tx.data, hash });
    this.mineReady();
    return "accepted";
  }

  /** Mines every waiting transaction whose nonce is next; drops those whose nonce was used meanwhile. */
  private mineReady(): void {
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const [hash, tx] of this.waiting) {
        const next = this.nextNonce(tx.from);
        if (tx.nonce > next) continue;
        this.waiting.delete(hash);
        if (tx.nonce === next) {
          this.mine(tx);
          progressed = true;
        }
      }
    }
  }

  /** Mines one transaction in the next block: the rebalance applied to the vault, or its revert. */
  private mine(tx: SimTx): void {
    this.head += 1;
    this.mined.set(tx.from.toLowerCase(), tx.nonce + 1);
    const checked = this.check(tx);
    let revert = "revert" in checked ? checked.revert : undefined;
    if (
      !("revert" in checked) &&
      this.deps.vault.apply(checked.moves, this.deps.gasUsed(checked.moves)).moves.length === 0
    ) {
      revert = revertOf("NothingMoved()");
    }
    const receipt = { hash: tx.hash, block: this.head, success: revert === undefined };
    this.receipts.set(tx.hash, { receipt, revert });
    if (revert === undefined && "onchainId" in checked) {
      const event = { txHash: tx.hash, block: this.head, caller: tx.from, commitment: checked.commitment };
      this.events.set(checked.onchainId, event);
    }
  }
}

/** The ledger read as a node: nonces, receipts, logs, head; simulation and estimates revert as mining would. */
function simReader(ledger: SimLedger, deps: SimChainDeps): ChainReader {
  const minedNonce = async (address: string) => ledger.nextNonce(address);
  return {
    chainId: async () => BigInt(deps.chainId),
    head: async () => ledger.head,
    pendingNonce: minedNonce,
    minedNonce,
    balance: async () => deps.keeperBalanceWei,
    nextBaseFee: async () => undefined,
    receipt: async (hash) => ledger.receipts.get(hash)?.receipt,
    async simulate(call) {
      const checked = ledger.check(call);
      if ("revert" in checked) throw revertError("simulate", checked.revert);
    },
    async estimateGas(call) {
      const checked = ledger.check(call);
      if ("revert" in checked) throw revertError("estimate", checked.revert);
      return deps.gasUsed(checked.moves);
    },
    async findRebalanced(onchainId, lookbackBlocks = Number.POSITIVE_INFINITY) {
      const event = ledger.events.get(onchainId);
      return event && event.block > ledger.head - lookbackBlocks ? event : undefined;
    },
    async hasRebalancedBy(caller, lookbackBlocks) {
      const by = caller.toLowerCase();
      return [...ledger.events.values()].some(
        (e) => e.caller.toLowerCase() === by && e.block > ledger.head - lookbackBlocks,
      );
    },
    minedRevert: async (receipt) => ledger.receipts.get(receipt.hash)?.revert,
  };
}

/**
 * An in-memory chain for the backtest. The keeper's signed transactions are mined in nonce order, each in the next
 * block; the allocator's `rebalance` is decoded and its moves applied to the vault. It reverts as the allocator
 * does — `NotARebalance` (any other call), `IntentAlreadyUsed`, `NoMoves`, `UnknownAdapter` — and with
 * `NothingMoved` when no move could move anything (the vault is left as it was; the replay charges no gas for a
 * reverted transaction). Receipts, nonces, `Rebalanced` events and the head are read back as from a node.
 */
export function createSimChain(codec: AllocatorCodec, deps: SimChainDeps): SimChain {
  const ledger = new SimLedger(deps);
  return {
    chain: simReader(ledger, deps),
    signer: simSigner(),
    encoder: simEncoder(codec),
    broadcaster: { sendRaw: async (raw) => ledger.send(raw) },
    advance(blocks) {
      ledger.head += blocks;
    },
  };
}
