import type { Move } from "../domain/decision.ts";
import { KeelError } from "../domain/errors.ts";
import type { KeeperBounds, Snapshot } from "../domain/snapshot.ts";

/**
 * The default-deny signing policy: what a key may sign, checked before every signature. Pure (no I/O);
 * the signer wrapper (src/adapters/signers/policySigner.ts) decodes calldata and calls it.
 */

/** Which bounds a call's rebalance moves are checked against. */
export type MoveBounds = "keeper" | "manager";

/** The target of an AllowedCall that matches any adapter on the allow-list of the bounds read (a v3 re-range). */
export const ALLOWED_ADAPTER = "allow-listed adapter";

/** One (target contract, function selector) pair a key may call. */
export interface AllowedCall {
  /**
   * The target; `*` is any target (only for an owner whose config names no allocator); ALLOWED_ADAPTER is
   * any adapter on the allocator's allow-list in the bounds read for the signature.
   */
  readonly to: string;
  /** 4-byte selector, 0x-prefixed. */
  readonly selector: string;
  /** The call carries rebalance moves, checked against these bounds. */
  readonly moves?: MoveBounds;
}

/** What one key may sign; everything else is refused. */
export interface SigningPolicy {
  /** Who the key is, for messages (`keeper`, `guardian`, `manager`, `proposer`, `owner`). */
  readonly role: string;
  readonly chainId: bigint;
  /** Ceiling on maxFeePerGas (or gasPrice), wei; undefined = no fee ceiling (an owner's own wallet). */
  readonly maxFeePerGasWei?: bigint;
  /** Ceiling on the gas limit; undefined = no ceiling. */
  readonly maxGasLimit?: bigint;
  /** Ceiling on calldata size, bytes (transactions and Safe transactions). */
  readonly maxCalldataBytes: number;
  /** Transactions the key may sign. */
  readonly calls: readonly AllowedCall[];
  /** A 0-value, empty-data transaction to the key itself (a cancel at a stuck nonce). */
  readonly allowCancel?: boolean;
  /** Safe transactions (EIP-712 SafeTx) the key may sign; absent = none. */
  readonly safe?: {
    readonly address: string;
    readonly calls: readonly AllowedCall[];
    /** The Safe's rejection: a 0-value, empty-data call of the Safe to itself. */
    readonly allowRejection?: boolean;
  };
}

/** The on-chain bounds the daemon read with the snapshot of the intent being signed. */
export interface BoundsView {
  readonly block: number;
  readonly totalAssets: bigint;
  readonly keeper: KeeperBounds;
}

/** The bounds a snapshot carries (undefined when it has none: a backtest, or a snapshot without an allocator). */
export function boundsOf(snapshot: Snapshot): BoundsView | undefined {
  return snapshot.keeperBounds
    ? { block: snapshot.block, totalAssets: snapshot.vault.totalAssets, keeper: snapshot.keeperBounds }
    : undefined;
}

/** A transaction about to be signed (ethers' fields; null = not set). */
export interface TxShape {
  /** EIP-2718 type; keel signs EIP-1559 (2) only. */
  readonly type: number | null;
  readonly chainId: bigint;
  readonly to: string | null;
  readonly value: bigint;
  readonly data: string;
  readonly gasLimit: bigint | null;
  readonly maxFeePerGas: bigint | null;
  readonly gasPrice: bigint | null;
}

/** A Safe transaction about to be signed, with its EIP-712 domain. */
export interface SafeTxShape {
  readonly chainId: bigint;
  /** The domain's verifyingContract: the Safe. */
  readonly safe: string;
  readonly to: string;
  readonly value: bigint;
  readonly data: string;
  readonly operation: number;
  readonly gasPrice: bigint;
  readonly gasToken: string;
  readonly refundReceiver: string;
}

/** What the checker needs besides the policy: the signer, a calldata decoder and the latest bounds. */
export interface PolicyContext {
  /** The signing key's address. */
  readonly self: string;
  /** The moves of rebalance calldata; undefined when the data does not decode. */
  readonly decodeMoves: (data: string) => readonly Move[] | undefined;
  readonly bounds: BoundsView | undefined;
}

/** Codes of the refusals, each catalogued in src/domain/codes.ts. */
export const SIGN_DENIED_CODES = [
  "SIGN_DENIED_CHAIN_ID",
  "SIGN_DENIED_TARGET",
  "SIGN_DENIED_SELECTOR",
  "SIGN_DENIED_VALUE",
  "SIGN_DENIED_FEE_CAP",
  "SIGN_DENIED_GAS_CAP",
  "SIGN_DENIED_CALLDATA_CAP",
  "SIGN_DENIED_CALLDATA",
  "SIGN_DENIED_NO_BOUNDS",
  "SIGN_DENIED_MOVE_BOUNDS",
  "SIGN_DENIED_ADAPTER",
  "SIGN_DENIED_DELEGATECALL",
  "SIGN_DENIED_REFUND",
  "SIGN_DENIED_KIND",
] as const;

/** One of SIGN_DENIED_CODES. */
export type PolicyCode = (typeof SIGN_DENIED_CODES)[number];

/** A refusal: the code, and what was refused (no secret: addresses and numbers only). */
export interface PolicyRefusal {
  readonly code: PolicyCode;
  readonly message: string;
}

const BPS = 10_000n;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const refuse = (code: PolicyCode, message: string): PolicyRefusal => ({ code, message });

/** Bytes of 0x-hex calldata. */
export function calldataBytes(data: string): number {
  const hex = data.startsWith("0x") ? data.slice(2) : data;
  return Math.ceil(hex.length / 2);
}

/** Every move inside the bounds read with the snapshot: known adapters, no zero amount, the keeper's share, the caps. */
export function checkMoves(
  moves: readonly Move[],
  bounds: BoundsView | undefined,
  which: MoveBounds,
): PolicyRefusal | undefined {
  if (!bounds) return refuse("SIGN_DENIED_NO_BOUNDS", "no on-chain bounds were read for this signature");
  const caps = new Map(Object.entries(bounds.keeper.adapterCapBps).map(([a, bps]) => [a.toLowerCase(), bps]));
  let moved = 0n;
  for (const m of moves) {
    const cap = caps.get(m.sourceId.toLowerCase());
    if (cap === undefined) return refuse("SIGN_DENIED_ADAPTER", `adapter ${m.sourceId} is not on the allow-list`);
    if (m.amount <= 0n) return refuse("SIGN_DENIED_MOVE_BOUNDS", `zero move into ${m.sourceId}`);
    const capAssets = (bounds.totalAssets * BigInt(cap)) / BPS;
    if (m.direction === "deposit" && m.amount > capAssets) {
      return refuse(
        "SIGN_DENIED_MOVE_BOUNDS",
        `deposit of ${m.amount} into ${m.sourceId} is above its cap of ${capAssets}`,
      );
    }
    moved += m.amount;
  }
  const limit = (bounds.totalAssets * BigInt(bounds.keeper.maxMoveBps)) / BPS;
  if (which === "keeper" && moved > limit) {
    return refuse(
      "SIGN_DENIED_MOVE_BOUNDS",
      `moves total ${moved}, above the keeper's ${limit} (maxMoveBps of ${bounds.totalAssets})`,
    );
  }
  return undefined;
}

/** The allowed call `data` makes on `to`, or why it is refused; then its moves against the bounds. */
function checkCall(
  calls: readonly AllowedCall[],
  to: string,
  data: string,
  ctx: PolicyContext,
): PolicyRefusal | undefined {
  const onTarget = calls.filter((c) => c.to === "*" || same(c.to, to));
  const adapterCalls = calls.filter((c) => c.to === ALLOWED_ADAPTER);
  if (onTarget.length === 0 && adapterCalls.length > 0) {
    if (!ctx.bounds)
      return refuse("SIGN_DENIED_NO_BOUNDS", `no on-chain bounds were read to tell whether ${to} is an adapter`);
    if (Object.keys(ctx.bounds.keeper.adapterCapBps).some((a) => same(a, to))) onTarget.push(...adapterCalls);
  }
  if (onTarget.length === 0) return refuse("SIGN_DENIED_TARGET", `${to} is not a contract this key may call`);
  const selector = data.slice(0, 10).toLowerCase();
  const call = onTarget.find((c) => c.selector.toLowerCase() === selector);
  if (!call) return refuse("SIGN_DENIED_SELECTOR", `selector ${selector || "(none)"} is not allowed on ${to}`);
  if (!call.moves) return undefined;
  const moves = ctx.decodeMoves(data);
  if (!moves) return refuse("SIGN_DENIED_CALLDATA", "rebalance calldata does not decode");
  return checkMoves(moves, ctx.bounds, call.moves);
}

/** Checks a transaction against the policy: undefined when it may be signed, else the refusal. */
export function checkTransaction(policy: SigningPolicy, tx: TxShape, ctx: PolicyContext): PolicyRefusal | undefined {
  if (tx.chainId !== policy.chainId) {
    return refuse(
      "SIGN_DENIED_CHAIN_ID",
      `chain id ${tx.chainId}, the ${policy.role} signs for ${policy.chainId} only`,
    );
  }
  if (tx.type !== 2)
    return refuse("SIGN_DENIED_KIND", `transaction type ${tx.type ?? "unset"}; keel signs EIP-1559 only`);
  if (tx.to === null) return refuse("SIGN_DENIED_TARGET", "contract creation is never signed");
  if (calldataBytes(tx.data) > policy.maxCalldataBytes) {
    return refuse(
      "SIGN_DENIED_CALLDATA_CAP",
      `calldata of ${calldataBytes(tx.data)} bytes, cap ${policy.maxCalldataBytes}`,
    );
  }
  if (tx.value !== 0n) return refuse("SIGN_DENIED_VALUE", `value ${tx.value} wei; the ${policy.role} sends none`);
  const fee = tx.maxFeePerGas ?? tx.gasPrice;
  if (policy.maxFeePerGasWei !== undefined && (fee === null || fee > policy.maxFeePerGasWei)) {
    return refuse("SIGN_DENIED_FEE_CAP", `max fee ${fee ?? "unset"} wei per gas, cap ${policy.maxFeePerGasWei}`);
  }
  if (policy.maxGasLimit !== undefined && (tx.gasLimit === null || tx.gasLimit > policy.maxGasLimit)) {
    return refuse("SIGN_DENIED_GAS_CAP", `gas limit ${tx.gasLimit ?? "unset"}, cap ${policy.maxGasLimit}`);
  }
  if (policy.allowCancel && same(tx.to, ctx.self) && calldataBytes(tx.data) === 0) return undefined;
  return checkCall(policy.calls, tx.to, tx.data, ctx);
}

/** Checks a Safe transaction against the policy: undefined when it may be signed, else the refusal. */
export function checkSafeTx(policy: SigningPolicy, tx: SafeTxShape, ctx: PolicyContext): PolicyRefusal | undefined {
  const safe = policy.safe;
  if (!safe) return refuse("SIGN_DENIED_KIND", `the ${policy.role} key signs no Safe transaction`);
  if (tx.chainId !== policy.chainId) {
    return refuse("SIGN_DENIED_CHAIN_ID", `Safe transaction for chain ${tx.chainId}, not ${policy.chainId}`);
  }
  if (!same(tx.safe, safe.address)) return refuse("SIGN_DENIED_TARGET", `Safe ${tx.safe} is not the configured Safe`);
  if (tx.operation !== 0) return refuse("SIGN_DENIED_DELEGATECALL", "a DELEGATECALL Safe transaction is never signed");
  if (tx.gasPrice !== 0n || !same(tx.gasToken, ZERO_ADDRESS) || !same(tx.refundReceiver, ZERO_ADDRESS)) {
    return refuse("SIGN_DENIED_REFUND", "a Safe transaction that pays a gas refund is never signed");
  }
  if (tx.value !== 0n) return refuse("SIGN_DENIED_VALUE", `Safe transaction value ${tx.value} wei`);
  if (calldataBytes(tx.data) > policy.maxCalldataBytes) {
    return refuse(
      "SIGN_DENIED_CALLDATA_CAP",
      `calldata of ${calldataBytes(tx.data)} bytes, cap ${policy.maxCalldataBytes}`,
    );
  }
  if (safe.allowRejection && same(tx.to, safe.address) && calldataBytes(tx.data) === 0) return undefined;
  return checkCall(safe.calls, tx.to, tx.data, ctx);
}

/** The refusal as the error the signer throws (not retryable: the same request is refused again). */
export function policyError(policy: SigningPolicy, r: PolicyRefusal): KeelError {
  return new KeelError(r.code, `signing policy refused (${policy.role}): ${r.message}`, {
    retryable: false,
    context: { role: policy.role },
  });
}
