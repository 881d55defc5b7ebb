import type { Signer } from "ethers";
import { type Deployed, deployContract, send } from "./contract.ts";

/** Source kinds the daemon knows how to read (the adapter's `kind()`). */
export type AdapterKind = "vault" | "lending" | "lp";

/** One allow-listed adapter of a deployment. */
export interface DeployedAdapter {
  address: string;
  kind: AdapterKind;
  /** "erc4626" | "aave-v3" | "uniswap-v2". */
  protocol: string;
  /** The protocol contract: ERC-4626 vault, Aave pool, Uniswap pair. */
  target: string;
  name: string;
}

/** The allocator's keeper bounds (all bps are of total assets). */
export interface KeelBounds {
  maxMoveBps: bigint;
  maxLossBps: bigint;
  cooldownSeconds: bigint;
  maxRebalancesPerDay: bigint;
  minIdleBps: bigint;
  maxDeviationBps: bigint;
}

/** Default keeper bounds. */
export const DEFAULT_BOUNDS: Readonly<KeelBounds> = {
  maxMoveBps: 5_000n,
  maxLossBps: 50n,
  cooldownSeconds: 300n,
  maxRebalancesPerDay: 24n,
  minIdleBps: 500n,
  maxDeviationBps: 200n,
};

/** The Bounds struct as the allocator's ABI expects it. */
export function boundsTuple(b: KeelBounds): bigint[] {
  return [b.maxMoveBps, b.maxLossBps, b.cooldownSeconds, b.maxRebalancesPerDay, b.minIdleBps, b.maxDeviationBps];
}

/** A yield source to put behind an adapter, on any network. */
export type SourceSpec =
  | { kind: "vault"; name: string; target: string }
  | { kind: "lending"; name: string; pool: string; aToken: string }
  | {
      kind: "lp";
      name: string;
      pair: string;
      /** Chainlink-compatible USD feeds of the base asset and of the pair's other token. */
      baseFeed: string;
      otherFeed: string;
      maxOracleAgeSeconds: bigint;
      slippageBps: bigint;
    };

/** Options of `deployKeelSuite`. */
export interface SuiteOptions {
  /** The base asset (ERC-20). */
  asset: string;
  vaultName: string;
  vaultSymbol: string;
  /** Virtual-share offset against the inflation attack (6 for a 6-decimals asset). */
  decimalsOffset: number;
  manager: string;
  keeper: string;
  guardian: string;
  depositCapUnits?: bigint;
  bounds?: Partial<KeelBounds>;
  /** Per-adapter cap in bps of total assets (default 6000). */
  adapterCapBps?: bigint;
  sources: readonly SourceSpec[];
}

/** Addresses of a deployed suite. */
export interface KeelSuite {
  vault: string;
  allocator: string;
  adapters: DeployedAdapter[];
}

const MAX_UINT256 = (1n << 256n) - 1n;
const PROTOCOL: Record<AdapterKind, string> = { vault: "erc4626", lending: "aave-v3", lp: "uniswap-v2" };

/**
 * Deploys keel's own contracts on any network: vault, allocator, one adapter per source (allow-listed), bounds,
 * roles. The deployer holds the admin roles only during the deployment and renounces them at the end unless it
 * is the manager.
 */
export async function deployKeelSuite(deployer: Signer, opts: SuiteOptions): Promise<KeelSuite> {
  const me = await deployer.getAddress();
  const vault = await deployContract(deployer, "KeelVault", [
    opts.asset,
    opts.vaultName,
    opts.vaultSymbol,
    opts.decimalsOffset,
    opts.depositCapUnits ?? MAX_UINT256,
    me,
  ]);
  const vaultAddress = await vault.getAddress();
  const bounds = boundsTuple({ ...DEFAULT_BOUNDS, ...opts.bounds });
  const allocator = await deployContract(deployer, "KeelAllocator", [vaultAddress, me, bounds]);
  const allocatorAddress = await allocator.getAddress();
  await send(vault, "setAllocator", [allocatorAddress]);
  const adapters: DeployedAdapter[] = [];
  for (const s of opts.sources) {
    const adapter = await deployAdapter(deployer, allocatorAddress, s);
    const address = await adapter.getAddress();
    await send(allocator, "addAdapter", [address, opts.adapterCapBps ?? 6_000n]);
    const target = s.kind === "vault" ? s.target : s.kind === "lending" ? s.pool : s.pair;
    adapters.push({ address, kind: s.kind, protocol: PROTOCOL[s.kind], target, name: s.name });
  }
  await handOverRoles(vault, allocator, me, opts);
  return { vault: vaultAddress, allocator: allocatorAddress, adapters };
}

function deployAdapter(deployer: Signer, allocator: string, s: SourceSpec): Promise<Deployed> {
  switch (s.kind) {
    case "vault":
      return deployContract(deployer, "ERC4626Adapter", [allocator, s.target]);
    case "lending":
      return deployContract(deployer, "AaveV3Adapter", [allocator, s.pool, s.aToken]);
    case "lp":
      return deployContract(deployer, "UniswapV2LpAdapter", [
        allocator,
        s.pair,
        s.baseFeed,
        s.otherFeed,
        s.maxOracleAgeSeconds,
        s.slippageBps,
      ]);
  }
}

async function handOverRoles(
  vault: Deployed,
  allocator: Deployed,
  me: string,
  opts: Pick<SuiteOptions, "manager" | "keeper" | "guardian">,
): Promise<void> {
  const role = async (c: Deployed, name: string): Promise<string> => (await c.getFunction(name)()) as string;
  const [vAdmin, vManager, vGuardian] = await Promise.all([
    role(vault, "DEFAULT_ADMIN_ROLE"),
    role(vault, "MANAGER_ROLE"),
    role(vault, "GUARDIAN_ROLE"),
  ]);
  const [aAdmin, aManager, aKeeper] = await Promise.all([
    role(allocator, "DEFAULT_ADMIN_ROLE"),
    role(allocator, "MANAGER_ROLE"),
    role(allocator, "KEEPER_ROLE"),
  ]);
  await send(vault, "grantRole", [vGuardian, opts.guardian]);
  await send(allocator, "grantRole", [aKeeper, opts.keeper]);
  if (opts.manager.toLowerCase() === me.toLowerCase()) return;
  const pairs = [
    [vault, vManager],
    [vault, vAdmin],
    [allocator, aManager],
    [allocator, aAdmin],
  ] as const;
  for (const [c, r] of pairs) await send(c, "grantRole", [r, opts.manager]);
  for (const [c, r] of pairs) await send(c, "renounceRole", [r, me]);
}
