import { type AbstractSigner, id } from "ethers";
import type { KeelConfig } from "../../config/schema.ts";
import {
  ALLOWED_ADAPTER,
  type AllowedCall,
  type BoundsView,
  type SigningPolicy,
} from "../../execution/signingPolicy.ts";
import { decodeRebalanceMoves, REBALANCE_SELECTOR } from "../execution/allocatorCodec.ts";
import { PolicySigner, type PolicySignerDeps } from "./policySigner.ts";

const selector = (signature: string) => id(signature).slice(0, 10);
/** `pause()`, `unpause()` on the vault; `execTransaction(…)` on a Safe. */
const PAUSE = selector("pause()");
const UNPAUSE = selector("unpause()");
/** `rerange(int24,int24)` on a Uniswap v3 position adapter (its range limits are enforced on chain). */
const RERANGE = selector("rerange(int24,int24)");
const EXEC_TRANSACTION = selector(
  "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)",
);

/** Where keel acts and the ceilings every key's policy shares. */
export interface PolicyTarget {
  readonly chainId: number | bigint;
  readonly allocator: string;
  readonly vault: string;
  /** The manager Safe, when the Safe route is configured. */
  readonly safe?: string;
  readonly maxGasLimit: number;
  readonly maxCalldataBytes: number;
}

/** The target and ceilings from the config (`execution.signingPolicy`). */
export function policyTarget(
  cfg: KeelConfig["execution"],
  where: { chainId: number | bigint; allocator: string; vault: string },
): PolicyTarget {
  return {
    chainId: where.chainId,
    allocator: where.allocator,
    vault: where.vault,
    ...(cfg.safe.address ? { safe: cfg.safe.address } : {}),
    maxGasLimit: cfg.signingPolicy.maxGasLimit,
    maxCalldataBytes: cfg.signingPolicy.maxCalldataBytes,
  };
}

function base(role: string, t: Omit<PolicyTarget, "allocator" | "safe">, maxFeePerGasWei: bigint | undefined) {
  return {
    role,
    chainId: BigInt(t.chainId),
    ...(maxFeePerGasWei === undefined ? {} : { maxFeePerGasWei }),
    maxGasLimit: BigInt(t.maxGasLimit),
    maxCalldataBytes: t.maxCalldataBytes,
  };
}

/** A rebalance on the allocator whose moves are checked against the keeper's or the manager's bounds. */
function rebalanceOn(t: PolicyTarget, moves: "keeper" | "manager"): AllowedCall {
  return { to: t.allocator, selector: REBALANCE_SELECTOR, moves };
}

/**
 * The keeper key: `allocator.rebalance` inside the keeper bounds read with the intent's snapshot,
 * `rerange(int24,int24)` on an adapter of the allocator's allow-list, the no-op self-transfer that cancels
 * a stuck nonce, and — when it proposes to the Safe — Safe transactions calling `allocator.rebalance`
 * inside the manager's bounds (allow-list and caps).
 */
export function keeperPolicy(t: PolicyTarget, opts: { maxFeePerGasWei: bigint; proposes: boolean }): SigningPolicy {
  return {
    ...base("keeper", t, opts.maxFeePerGasWei),
    calls: [rebalanceOn(t, "keeper"), { to: ALLOWED_ADAPTER, selector: RERANGE }],
    allowCancel: true,
    ...(opts.proposes && t.safe ? { safe: { address: t.safe, calls: [rebalanceOn(t, "manager")] } } : {}),
  };
}

/** A separate Safe proposer key: Safe transactions calling `allocator.rebalance` inside the manager's bounds only. */
export function proposerPolicy(t: PolicyTarget & { safe: string }): SigningPolicy {
  return {
    ...base("proposer", t, undefined),
    calls: [],
    safe: { address: t.safe, calls: [rebalanceOn(t, "manager")] },
  };
}

/** The guardian key: `vault.pause()` only; the manager key (`keel unpause`): `pause()` and `unpause()`. */
export function vaultKeyPolicy(
  role: "guardian" | "manager",
  t: Omit<PolicyTarget, "allocator" | "safe">,
  opts: { maxFeePerGasWei: bigint },
): SigningPolicy {
  const calls: AllowedCall[] = [{ to: t.vault, selector: PAUSE }];
  if (role === "manager") calls.push({ to: t.vault, selector: UNPAUSE });
  return { ...base(role, t, opts.maxFeePerGasWei), calls };
}

/**
 * An owner at `keel proposals`: `execTransaction` on the configured Safe (the owner's own wallet pays: no
 * fee ceiling), and Safe transactions that are a plain call of `allocator.rebalance` or the Safe's
 * rejection — never a DELEGATECALL, a gas refund, value or another target, whatever the proposal store
 * holds. The moves are the owner's to review (`keel proposals show`): the CLI reads no bounds.
 */
export function ownerPolicy(t: PolicyTarget & { safe: string }): SigningPolicy {
  return {
    role: "owner",
    chainId: BigInt(t.chainId),
    maxCalldataBytes: Math.max(t.maxCalldataBytes, 16_384),
    calls: [{ to: t.safe, selector: EXEC_TRANSACTION }],
    safe: { address: t.safe, calls: [{ to: t.allocator, selector: REBALANCE_SELECTOR }], allowRejection: true },
  };
}

/** The latest bounds, set by the execution layer from the snapshot of each intent before it is executed. */
export interface BoundsHolder {
  readonly current: () => BoundsView | undefined;
  set(bounds: BoundsView | undefined): void;
}

/** A holder of the latest bounds (none until the first intent). */
export function boundsHolder(): BoundsHolder {
  let latest: BoundsView | undefined;
  return {
    current: () => latest,
    set: (b) => {
      latest = b;
    },
  };
}

/** Wraps a key in its policy; rebalance calldata decodes with the allocator's ABI. */
export function withPolicy(
  signer: AbstractSigner,
  policy: SigningPolicy,
  deps: Partial<PolicySignerDeps> = {},
): PolicySigner {
  return new PolicySigner(signer, policy, {
    bounds: deps.bounds ?? (() => undefined),
    decodeMoves: decodeRebalanceMoves,
    ...(deps.onRefused ? { onRefused: deps.onRefused } : {}),
  });
}
