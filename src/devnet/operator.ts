import { readFileSync } from "node:fs";
import { BrowserProvider, getAddress, id, Wallet } from "ethers";
import { KeelAllocatorAbi, TestTokenAbi } from "../adapters/ethers/abi/generated.ts";
import { typedContract, write } from "../adapters/ethers/typedContract.ts";
import { deploySafe, deploySafeContracts, type SafeContracts } from "../adapters/safe/deploy.ts";
import { ConfigError } from "../domain/errors.ts";
import type { Logger } from "../observability/logger.ts";
import { DEVNET_ACCOUNTS, devnetKey } from "./accounts.ts";
import type { Devnet } from "./devnet.ts";
import { type LoopbackKms, startLoopbackKms } from "./kms.ts";
import { type LocalRelay, startLocalRelay } from "./relay.ts";

/** What `keel devnet` starts beside the chain for a live-style setup. */
export interface OperatorOptions {
  /** Deploy a 2-of-3 Safe (npm artifacts) and make it a manager of the allocator. */
  readonly safe: boolean;
  /** The Safe owners' keystores (their addresses are read, not their keys); default: devnet accounts. */
  readonly signerKeystores?: readonly string[] | undefined;
  /** Serve a Flashbots-style bundle relay on 127.0.0.1. */
  readonly relay: boolean;
  /** Serve an AWS KMS endpoint on 127.0.0.1 holding the keeper's and guardian's keys. */
  readonly kms: boolean;
}

/** A Safe owner: a keystore the operator made, or a devnet account (index and key derived from the dev mnemonic). */
export interface SafeSigner {
  readonly address: string;
  readonly keystore?: string;
  readonly index?: number;
}

/** The Safe, relay and KMS started for the devnet. */
export interface OperatorServices {
  readonly safe?: {
    readonly address: string;
    readonly threshold: number;
    readonly owners: readonly SafeSigner[];
    readonly contracts: SafeContracts;
  };
  readonly relay?: LocalRelay;
  readonly kms?: {
    readonly server: LoopbackKms;
    readonly keyIds: { readonly keeper: string; readonly guardian: string };
  };
  close(): Promise<void>;
}

/** Devnet accounts of the Safe owners when no keystores are given. */
export const DEVNET_SIGNER_ACCOUNTS = [5, 6, 7] as const;
/** KMS key ids of the devnet's keeper and guardian. */
export const DEVNET_KMS_KEYS = { keeper: "alias/keel-keeper", guardian: "alias/keel-guardian" } as const;
const SAFE_THRESHOLD = 2;
/** Base-asset units the depositor holds in reserve beside its deposit. */
export const DEPOSITOR_RESERVE_UNITS = 10_000_000n;
const HUNDRED_ETH = "0x56BC75E2D63100000";

/** The address a JSON keystore is for (read from its `address` field; no password needed). */
export function keystoreAddress(path: string): string {
  let parsed: { address?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as { address?: unknown };
  } catch (err) {
    throw new ConfigError(`cannot read keystore ${path}: ${(err as NodeJS.ErrnoException).code ?? "not JSON"}`);
  }
  const raw = typeof parsed.address === "string" ? parsed.address : "";
  try {
    return getAddress(raw.startsWith("0x") ? raw : `0x${raw}`);
  } catch {
    throw new ConfigError(`${path} is not a JSON keystore (no address)`);
  }
}

function safeSigners(opts: OperatorOptions): SafeSigner[] {
  const given = opts.signerKeystores ?? [];
  if (given.length === 0)
    return DEVNET_SIGNER_ACCOUNTS.map((index) => ({ index, address: new Wallet(devnetKey(index)).address }));
  if (given.length !== 3)
    throw new ConfigError(`--signer: give three keystores for the 2-of-3 Safe, got ${given.length}`);
  return given.map((keystore) => ({ keystore, address: keystoreAddress(keystore) }));
}

/**
 * Starts what a live deployment has beside the chain (and mints the depositor a reserve to deposit later): a 2-of-3 Safe from `@safe-global/safe-smart-account`
 * holding MANAGER_ROLE on the allocator (owners funded so any of them can execute), the local bundle relay
 * and the local KMS endpoint with the keeper's and guardian's keys. Call before the simulator steps
 * (the deployer's nonces are the simulator's).
 */
export async function startOperatorServices(
  devnet: Devnet,
  opts: OperatorOptions,
  deps: { logger: Logger },
): Promise<OperatorServices> {
  const provider = new BrowserProvider(devnet.chain.provider, devnet.chain.chainId, { cacheTimeout: -1 });
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    // The depositor keeps a reserve of the base asset to deposit later (`keel devnet deposit`).
    const deployer = new Wallet(devnetKey(DEVNET_ACCOUNTS.deployer), provider);
    const token = typedContract(devnet.deployment.asset.address, TestTokenAbi, deployer);
    const reserve = DEPOSITOR_RESERVE_UNITS * 10n ** BigInt(devnet.deployment.asset.decimals);
    const depositor = new Wallet(devnetKey(DEVNET_ACCOUNTS.depositor)).address;
    await (await write(token, "mint", [depositor, reserve])).wait();
    let safe: OperatorServices["safe"];
    if (opts.safe) {
      const owners = safeSigners(opts);
      const contracts = await deploySafeContracts(deployer);
      const address = await deploySafe(
        deployer,
        contracts,
        owners.map((o) => o.address),
        SAFE_THRESHOLD,
        1n,
      );
      const manager = new Wallet(devnet.keys.manager, provider);
      const allocator = typedContract(devnet.deployment.allocator, KeelAllocatorAbi, manager);
      await (await write(allocator, "grantRole", [id("MANAGER_ROLE"), address])).wait();
      for (const o of owners) await provider.send("hardhat_setBalance", [o.address, HUNDRED_ETH]);
      safe = { address, threshold: SAFE_THRESHOLD, owners, contracts };
    }
    let relay: LocalRelay | undefined;
    if (opts.relay) {
      relay = await startLocalRelay(devnet.chain.provider, { pollMs: 100 }, { logger: deps.logger });
      closers.push(() => (relay as LocalRelay).close());
    }
    let kms: OperatorServices["kms"];
    if (opts.kms) {
      const server = await startLoopbackKms({
        [DEVNET_KMS_KEYS.keeper]: devnet.keys.keeper,
        [DEVNET_KMS_KEYS.guardian]: devnet.keys.guardian,
      });
      closers.push(() => server.close());
      kms = { server, keyIds: DEVNET_KMS_KEYS };
    }
    return { ...(safe ? { safe } : {}), ...(relay ? { relay } : {}), ...(kms ? { kms } : {}), close };
  } catch (err) {
    await close();
    throw err;
  }
}
