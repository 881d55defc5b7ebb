import { type AbstractSigner, type Provider, Wallet } from "ethers";
import { createVaultKillSwitch } from "../adapters/ethers/killSwitch.ts";
import { ownerPolicy, vaultKeyPolicy, withPolicy } from "../adapters/signers/policies.ts";
import type { PolicySigner } from "../adapters/signers/policySigner.ts";
import { createSigner, type SignerDeps } from "../adapters/signers/signer.ts";
import type { KeelConfig } from "../config/schema.ts";
import type { SignerSpec } from "../config/sections/execution.ts";
import { DEVNET_ACCOUNTS, devnetKey } from "../devnet/accounts.ts";
import { ConfigError } from "../domain/errors.ts";

// The keys the daemon and the CLI open, opened here for both: the key itself (keystore, raw key, KMS, or a devnet's
// development key) and the default-deny signing policy of its role around it. The keeper's policy and a separate
// Safe proposer's key are wired with the execution (src/adapters/execution/wiring.ts), which only the daemon opens.

/** A key to open: a configured signer, or a devnet's development key. */
export type KeySpec = SignerSpec | { readonly type: "devnet"; readonly key: string };

/** A key that may sign `vault.pause()`: the guardian's (pause only) or the manager's (pause and unpause). */
export type VaultRole = "guardian" | "manager";

/** Opens a key on `provider`: a devnet key as a local wallet, a configured one as its signer (keystore, raw key, KMS). */
export async function openKey(spec: KeySpec, provider: Provider, deps: SignerDeps = {}): Promise<AbstractSigner> {
  return spec.type === "devnet" ? new Wallet(spec.key, provider) : createSigner(spec, provider, deps);
}

/** The key of a vault role on a devnet: its Hardhat development account. */
export function devnetVaultKey(role: VaultRole): KeySpec {
  return { type: "devnet", key: devnetKey(DEVNET_ACCOUNTS[role]) };
}

/**
 * The configured key of a vault command: `pause` signs with the guardian key, else the manager's; `unpause` with
 * the manager's. A command without one is a configuration error naming the key it needs.
 */
export function configuredVaultKey(config: KeelConfig, command: "pause" | "unpause"): SignerSpec {
  const { guardian, manager } = config.execution;
  const spec = command === "pause" ? (guardian ?? manager) : manager;
  if (!spec) {
    throw new ConfigError(`no key configured for ${command}`, [
      { path: command === "pause" ? "execution.guardian" : "execution.manager", message: "required" },
    ]);
  }
  return spec;
}

/**
 * A vault key behind its role's signing policy: the guardian's signs `vault.pause()` only, the manager's `pause()`
 * and `unpause()`, on the configured chain, with a fee cap of `execution.signingPolicy.pauseMaxFeeGwei` and the
 * policy's gas and calldata ceilings. Anything else is refused (SIGN_DENIED_*) before the key is asked.
 */
export async function openVaultKey(
  config: KeelConfig,
  role: VaultRole,
  where: { readonly vault: string; readonly key: KeySpec },
  deps: { readonly provider: Provider } & SignerDeps,
): Promise<PolicySigner> {
  const { maxGasLimit, maxCalldataBytes, pauseMaxFeeGwei } = config.execution.signingPolicy;
  const policy = vaultKeyPolicy(
    role,
    { chainId: config.chain.chainId, vault: where.vault, maxGasLimit, maxCalldataBytes },
    { maxFeePerGasWei: BigInt(Math.round(pauseMaxFeeGwei * 1e9)) },
  );
  return withPolicy(await openKey(where.key, deps.provider, deps), policy);
}

/** The vault's kill switch: `pause()` and `unpause()`, each allowed or refused by the key's policy. */
export type PauseSwitch = ReturnType<typeof createVaultKillSwitch>;

/**
 * The vault's kill switch pulled (and, with the manager's key, released) with a vault key behind its policy: the
 * daemon's guardian and `keel pause` / `keel unpause` open it here.
 */
export async function openPauseSwitch(...args: Parameters<typeof openVaultKey>): Promise<PauseSwitch> {
  const [, , where] = args;
  return createVaultKillSwitch({ vault: where.vault }, { signer: await openVaultKey(...args) });
}

/** What a Safe owner's policy is bound to: the chain, the Safe, the allocator and vault, the policy's ceilings. */
export interface OwnerKeyTarget {
  readonly chainId: number;
  readonly safe: string;
  /** The allocator a proposal may call, when known (any target otherwise). */
  readonly allocator: string | undefined;
  readonly vault: string | undefined;
  readonly policy: { readonly maxGasLimit: number; readonly maxCalldataBytes: number };
}

/**
 * Opens a Safe owner's key (`keel proposals`) behind the owner signing policy: whatever the proposal store holds,
 * it signs only a plain call of `rebalance` on the allocator (any target when none is known) or the Safe's
 * rejection, and sends only `execTransaction` to the Safe.
 */
export async function openOwnerKey(
  key: SignerSpec,
  t: OwnerKeyTarget,
  deps: { readonly provider: Provider } & SignerDeps,
): Promise<PolicySigner> {
  const policy = ownerPolicy({
    ...t.policy,
    chainId: t.chainId,
    safe: t.safe,
    allocator: t.allocator ?? "*",
    vault: t.vault ?? "",
  });
  return withPolicy(await openKey(key, deps.provider, deps), policy);
}
