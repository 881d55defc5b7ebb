import { MaxUint256, type Signer } from "ethers";
import { KeelAllocatorAbi, KeelVaultAbi } from "../../adapters/ethers/abi/generated.ts";
import { read, typedContract } from "../../adapters/ethers/typedContract.ts";
import { type Deployed, deployContract, send } from "./contract.ts";

/** Source kinds the daemon knows how to read (the adapter's `kind()`). */
export type AdapterKind = "vault" | "lending" | "lp";

/** One allow-listed adapter of a deployment. */
export interface DeployedAdapter {
  address: string;
  kind: AdapterKind;
  /** "erc4626" | "aave-v3" | "uniswap-v2" | "uniswap-v3". */
  protocol: string;
  /** The protocol contract: ERC-4626 vault, Aave pool, Uniswap v2 pair or v3 pool. */
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

/** The keeper's rolling 24 h budgets, in bps of total assets. */
export interface KeelBudgets {
  maxDailyLossBps: bigint;
  maxDailyFlowBps: bigint;
}

/** Default budgets: 1 % realised loss and 200 % of total assets moved per trailing 24 h. */
export const DEFAULT_BUDGETS: Readonly<KeelBudgets> = { maxDailyLossBps: 100n, maxDailyFlowBps: 20_000n };

/** The Budgets struct as the allocator's ABI expects it. */
export function budgetsTuple(b: KeelBudgets): bigint[] {
  return [b.maxDailyLossBps, b.maxDailyFlowBps];
}

/** An adapter's caps: relative (bps of total assets) and absolute (base units), and per-rebalance flow limits. */
export interface AdapterCaps {
  relativeCapBps: bigint;
  absoluteCap: bigint;
  maxInflow: bigint;
  maxOutflow: bigint;
}

/** Default caps: 60 % of total assets, no absolute cap, no flow limit beyond the keeper bounds. */
export const DEFAULT_ADAPTER_CAPS: Readonly<AdapterCaps> = {
  relativeCapBps: 6_000n,
  absoluteCap: MaxUint256,
  maxInflow: MaxUint256,
  maxOutflow: MaxUint256,
};

/** The AdapterCaps struct as the allocator's ABI expects it. */
export function capsTuple(c: AdapterCaps): bigint[] {
  return [c.relativeCapBps, c.absoluteCap, c.maxInflow, c.maxOutflow];
}
/** Timelock of every risk-increasing manager function on a production deployment (3 days). */
export const DEFAULT_TIMELOCK_SECONDS = 259_200n;
/** Profit unlocking period: a measured gain reaches the share price linearly over a day. */
export const DEFAULT_PROFIT_UNLOCK_SECONDS = 86_400n;
/** Allocator functions that wait their timelock when they raise risk. */
export const ALLOCATOR_TIMELOCKED = [
  "addAdapter",
  "setAdapterCaps",
  "setBounds",
  "setBudgets",
  "setProfitUnlockTime",
  "grantRole",
] as const;
/** Vault functions that wait their timelock when they raise risk. */
export const VAULT_TIMELOCKED = ["setDepositCap", "grantRole"] as const;

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
    }
  | UniswapV3SourceSpec;

/** A Uniswap v3 position (adapter kind "lp", protocol "uniswap-v3") and its on-chain range bounds. */
export interface UniswapV3SourceSpec {
  kind: "lp-v3";
  name: string;
  pool: string;
  positionManager: string;
  baseFeed: string;
  otherFeed: string;
  maxOracleAgeSeconds: bigint;
  slippageBps: bigint;
  /** Width limits (ticks), max centre offset from the oracle (bps), re-range interval (s) and cost (bps). */
  range: {
    minWidthTicks: number;
    maxWidthTicks: number;
    maxCentreOffsetBps: bigint;
    minRerangeInterval: bigint;
    maxRerangeLossBps: bigint;
  };
  /** The opening range, aligned to the pool's tick spacing. */
  tickLower: number;
  tickUpper: number;
}

/** Options of `deployKeelSuite`. */
export interface SuiteOptions {
  /** The base asset (ERC-20). */
  asset: string;
  vaultName: string;
  vaultSymbol: string;
  /** Virtual-share offset against the inflation attack (6 for a 6-decimals asset). */
  decimalsOffset: number;
  /** Receives DEFAULT_ADMIN_ROLE + MANAGER_ROLE on vault and allocator (intended: a Safe). */
  manager: string;
  /** Receives KEEPER_ROLE on the allocator. */
  keeper: string;
  /** Receives GUARDIAN_ROLE on the vault. */
  guardian: string;
  /** Receives SENTINEL_ROLE on the allocator (may only reduce risk), when given. */
  sentinel?: string;
  /** Vault deposit cap in base units (default: none). */
  depositCapUnits?: bigint;
  bounds?: Partial<KeelBounds>;
  budgets?: Partial<KeelBudgets>;
  /** Per-adapter cap in bps of total assets (default 6000). */
  adapterCapBps?: bigint;
  /** Per-adapter caps beyond the relative one (default: none). */
  adapterCaps?: Partial<AdapterCaps>;
  /** Timelock of the risk-increasing manager functions (default 3 days; 0 on the devnet and in tests). */
  timelockSeconds?: bigint;
  /** Profit unlocking period (default 1 day). */
  profitUnlockSeconds?: bigint;
  sources: readonly SourceSpec[];
}

/** Addresses of a deployed suite. */
export interface KeelSuite {
  vault: string;
  allocator: string;
  adapters: DeployedAdapter[];
}

const PROTOCOL: Record<SourceSpec["kind"], string> = {
  vault: "erc4626",
  lending: "aave-v3",
  lp: "uniswap-v2",
  "lp-v3": "uniswap-v3",
};

/**
 * Deploys keel's own contracts on any network: vault, allocator, one adapter per source (allow-listed), bounds,
 * budgets, roles, then the timelocks of the risk-increasing manager functions. The deployer holds the admin roles
 * only during the deployment and renounces them at the end unless it is the manager.
 */
export async function deployKeelSuite(deployer: Signer, opts: SuiteOptions): Promise<KeelSuite> {
  const me = await deployer.getAddress();
  const vault = await deployContract(deployer, "KeelVault", [
    opts.asset,
    opts.vaultName,
    opts.vaultSymbol,
    opts.decimalsOffset,
    opts.depositCapUnits ?? MaxUint256,
    me,
  ]);
  const vaultAddress = await vault.getAddress();
  const allocator = await deployContract(deployer, "KeelAllocator", [
    vaultAddress,
    me,
    boundsTuple({ ...DEFAULT_BOUNDS, ...opts.bounds }),
    budgetsTuple({ ...DEFAULT_BUDGETS, ...opts.budgets }),
    opts.profitUnlockSeconds ?? DEFAULT_PROFIT_UNLOCK_SECONDS,
  ]);
  const allocatorAddress = await allocator.getAddress();
  await send(vault, "setAllocator", [allocatorAddress]);
  const caps = capsTuple({
    ...DEFAULT_ADAPTER_CAPS,
    ...(opts.adapterCapBps === undefined ? {} : { relativeCapBps: opts.adapterCapBps }),
    ...opts.adapterCaps,
  });
  const adapters: DeployedAdapter[] = [];
  for (const s of opts.sources) {
    const adapter = await deployAdapter(deployer, allocatorAddress, s);
    const address = await adapter.getAddress();
    await send(allocator, "addAdapter", [address, caps]);
    const target = s.kind === "vault" ? s.target : s.kind === "lp" ? s.pair : s.pool;
    const kind = s.kind === "lp-v3" ? "lp" : s.kind;
    adapters.push({ address, kind, protocol: PROTOCOL[s.kind], target, name: s.name });
  }
  await handOverRoles(vault, allocator, me, {
    ...opts,
    timelockSeconds: opts.timelockSeconds ?? DEFAULT_TIMELOCK_SECONDS,
  });
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
    case "lp-v3": {
      const r = s.range;
      return deployContract(deployer, "UniswapV3LpAdapter", [
        allocator,
        s.positionManager,
        s.pool,
        s.baseFeed,
        s.otherFeed,
        s.maxOracleAgeSeconds,
        s.slippageBps,
        [r.minWidthTicks, r.maxWidthTicks, r.maxCentreOffsetBps, r.minRerangeInterval, r.maxRerangeLossBps],
        s.tickLower,
        s.tickUpper,
      ]);
    }
  }
}

async function handOverRoles(
  vault: Deployed,
  allocator: Deployed,
  me: string,
  opts: Pick<SuiteOptions, "manager" | "keeper" | "guardian" | "sentinel"> & { timelockSeconds: bigint },
): Promise<void> {
  const v = typedContract(await vault.getAddress(), KeelVaultAbi, vault.runner);
  const a = typedContract(await allocator.getAddress(), KeelAllocatorAbi, allocator.runner);
  const [vAdmin, vManager, vGuardian] = await Promise.all([
    read(v, "DEFAULT_ADMIN_ROLE", []),
    read(v, "MANAGER_ROLE", []),
    read(v, "GUARDIAN_ROLE", []),
  ]);
  const [aAdmin, aManager, aKeeper, aSentinel] = await Promise.all([
    read(a, "DEFAULT_ADMIN_ROLE", []),
    read(a, "MANAGER_ROLE", []),
    read(a, "KEEPER_ROLE", []),
    read(a, "SENTINEL_ROLE", []),
  ]);
  await send(vault, "grantRole", [vGuardian, opts.guardian]);
  await send(allocator, "grantRole", [aKeeper, opts.keeper]);
  if (opts.sentinel) await send(allocator, "grantRole", [aSentinel, opts.sentinel]);
  const isManager = opts.manager.toLowerCase() === me.toLowerCase();
  const pairs = [
    [vault, vManager],
    [vault, vAdmin],
    [allocator, aManager],
    [allocator, aAdmin],
  ] as const;
  if (!isManager) for (const [c, r] of pairs) await send(c, "grantRole", [r, opts.manager]);
  // Timelocks last: every grant above ran directly, while they were still 0.
  if (opts.timelockSeconds > 0n) {
    for (const [c, names] of [
      [allocator, ALLOCATOR_TIMELOCKED],
      [vault, VAULT_TIMELOCKED],
    ] as const) {
      for (const name of names) {
        await send(c, "increaseTimelock", [c.interface.getFunction(name)!.selector, opts.timelockSeconds]);
      }
    }
  }
  if (!isManager) for (const [c, r] of pairs) await send(c, "renounceRole", [r, me]);
}
