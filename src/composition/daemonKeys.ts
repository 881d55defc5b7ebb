import type { AbstractSigner } from "ethers";
import type { ChainProvider } from "../adapters/chain/provider.ts";
import { createKeeperRoles, type KeeperRoles } from "../adapters/ethers/keeperRole.ts";
import type { KeelConfig } from "../config/schema.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { openKey, openPauseSwitch, type PauseSwitch } from "./keys.ts";
import type { Target } from "./target.ts";

/** The daemon's keys and what each may do. */
export interface DaemonKeys {
  readonly keeper: AbstractSigner;
  readonly keeperAddress: string;
  /** The keeper's address, unless a dry run without a configured keeper signs with a throwaway key. */
  readonly keeperAddressIfAny: string | undefined;
  /** The keeper key's role checks; undefined in a dry run or shadow mode (nothing is signed). */
  readonly keeperRoles: KeeperRoles | undefined;
  /** The guardian's `vault.pause()` (its `unpause()` the guardian policy refuses), when a guardian key is configured. */
  readonly killSwitch: PauseSwitch | undefined;
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
  const onKmsSign = (seconds: number) => metrics.kmsSign.observe(seconds);
  const keeper = await openKey(target.keeper, provider, { onKmsSign });
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
  // The guardian's kill switch opens as `keel pause` opens it: the same key, behind the same policy.
  const killSwitch = target.guardian
    ? await openPauseSwitch(config, "guardian", { vault: target.vault, key: target.guardian }, { provider, onKmsSign })
    : undefined;
  return { keeper, keeperAddress, keeperAddressIfAny, keeperRoles, killSwitch, dryRun, shadow };
}
