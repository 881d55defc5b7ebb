import { type AbstractSigner, Wallet } from "ethers";
import type { ChainProvider } from "../adapters/chain/provider.ts";
import { createKeeperRoles, type KeeperRoles } from "../adapters/ethers/keeperRole.ts";
import { createVaultKillSwitch } from "../adapters/ethers/killSwitch.ts";
import { policyTarget, vaultKeyPolicy, withPolicy } from "../adapters/signers/policies.ts";
import { createSigner } from "../adapters/signers/signer.ts";
import type { KeelConfig } from "../config/schema.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { KillSwitch } from "../ports/execution.ts";
import type { Target } from "./target.ts";

/** The daemon's keys and what each may do. */
export interface DaemonKeys {
  readonly keeper: AbstractSigner;
  readonly keeperAddress: string;
  /** The keeper's address, unless a dry run without a configured keeper signs with a throwaway key. */
  readonly keeperAddressIfAny: string | undefined;
  /** The keeper key's role checks; undefined in a dry run or shadow mode (nothing is signed). */
  readonly keeperRoles: KeeperRoles | undefined;
  /** The guardian's `vault.pause()`, when a guardian key is configured. */
  readonly killSwitch: KillSwitch | undefined;
  readonly dryRun: boolean;
  /** Shadow mode decides everything and signs nothing: no send, no proposal, no kill-switch pull. */
  readonly shadow: boolean;
}

/**
 * Opens the keeper and guardian keys. Least privilege: a keeper key that could also steer or pause the vault, or
 * that is no keeper, does not start; the guardian key signs `vault.pause()` only (default-deny signing policy; the
 * keeper's is wired in createExecution).
 */
export async function openDaemonKeys(
  config: KeelConfig,
  target: Target,
  opts: { dryRun: boolean },
  deps: { provider: ChainProvider; metrics: Metrics; log: Logger },
): Promise<DaemonKeys> {
  const { provider, metrics, log } = deps;
  const chainId = config.chain.chainId;
  const onKmsSign = (seconds: number) => metrics.kmsSign.observe(seconds);
  const signerFor = async (spec: Target["keeper"]) =>
    spec.type === "devnet" ? new Wallet(spec.key, provider) : createSigner(spec, provider, { onKmsSign });
  const keeper = await signerFor(target.keeper);
  const keeperAddress = await keeper.getAddress();
  const dryRun = opts.dryRun || config.execution.dryRun;
  const shadow = config.execution.mode === "shadow";
  metrics.executionMode.set({ mode: config.execution.mode }, 1);
  if (shadow)
    log.warn(
      { mode: "shadow" },
      "SHADOW MODE: decide-only, nothing is signed or sent; decisions are journaled as would-have (set execution.mode: live to go live)",
    );
  const keeperRoles =
    dryRun || shadow
      ? undefined
      : createKeeperRoles({ vault: target.vault, allocator: target.allocator, keeper: keeperAddress }, { provider });
  await keeperRoles?.checkAtBoot();
  const keeperAddressIfAny = target.devnet || target.keeper.type !== "devnet" ? keeperAddress : undefined;
  const guardianPolicy = vaultKeyPolicy("guardian", policyTarget(config.execution, { chainId, ...target }), {
    maxFeePerGasWei: BigInt(Math.round(config.execution.signingPolicy.pauseMaxFeeGwei * 1e9)),
  });
  const killSwitch: KillSwitch | undefined = target.guardian
    ? createVaultKillSwitch(
        { vault: target.vault },
        { signer: withPolicy(await signerFor(target.guardian), guardianPolicy) },
      )
    : undefined;
  return { keeper, keeperAddress, keeperAddressIfAny, keeperRoles, killSwitch, dryRun, shadow };
}
