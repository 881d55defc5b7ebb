import type { Signer } from "ethers";
import { type Deployed, deployContract, send } from "./contract.ts";
import { deployAaveSource, deployErc4626Source, deployUniswapSource, type SourceContext, units } from "./sources.ts";

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

/** Everything the daemon and the market simulator need to find keel's contracts (JSON-serialisable). */
export interface KeelDeployment {
  chainId: number;
  asset: { address: string; symbol: string; decimals: number };
  vault: string;
  allocator: string;
  adapters: DeployedAdapter[];
  /** Chainlink-compatible feeds by pair, e.g. "USDC/USD". */
  oracles: Record<string, string>;
  /** Protocol fixtures and helpers: ERC-4626 targets, Aave pool, Uniswap pair, token owners. */
  extra: Record<string, string>;
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

/** Default keeper bounds wired by `deployKeel`. */
export const DEFAULT_BOUNDS: Readonly<KeelBounds> = {
  maxMoveBps: 5_000n,
  maxLossBps: 50n,
  cooldownSeconds: 300n,
  maxRebalancesPerDay: 24n,
  minIdleBps: 500n,
  maxDeviationBps: 200n,
};

/** Options of `deployKeel`. */
export interface DeployKeelOptions {
  /** Receives DEFAULT_ADMIN_ROLE + MANAGER_ROLE on vault and allocator (intended: a Safe). */
  manager: string;
  /** Receives KEEPER_ROLE on the allocator. */
  keeper: string;
  /** Receives GUARDIAN_ROLE on the vault. */
  guardian: string;
  /** Vault deposit cap in base units (default: none). */
  depositCapUnits?: bigint;
  /** Overrides of DEFAULT_BOUNDS. */
  bounds?: Partial<KeelBounds>;
  /** Per-adapter cap in bps of total assets (default 6000). */
  adapterCapBps?: bigint;
  /** Feeds older than this stop the LP adapter's moves (default 86400 s). */
  maxOracleAgeSeconds?: bigint;
}

const MAX_UINT256 = (1n << 256n) - 1n;
/** Opening kWETH price on the devnet (feed and Uniswap pair). */
export const ETH_PRICE_USD = 3_000n;
/** Virtual-share offset: 6-decimals asset → 12-decimals shares. */
export const VAULT_DECIMALS_OFFSET = 6;

/**
 * Deploys the base asset (kUSDC, 6 decimals), the vault, the allocator and four yield sources — two ERC-4626
 * vaults, a real Aave v3 market and a real Uniswap v2 kUSDC/kWETH pair, each behind its adapter — wires roles
 * and default bounds, and hands every admin role to `opts.manager` (the deployer keeps none unless it is the
 * manager). The deployer stays owner of the test tokens, the ERC-4626 targets, the oracles and the Aave market
 * (pool admin, opening borrower): it is the devnet's market simulator.
 */
export async function deployKeel(deployer: Signer, opts: DeployKeelOptions): Promise<KeelDeployment> {
  const provider = deployer.provider;
  if (!provider) throw new Error("deployKeel: the deployer signer needs a provider");
  const chainId = Number((await provider.getNetwork()).chainId);
  const me = await deployer.getAddress();
  const bounds: KeelBounds = { ...DEFAULT_BOUNDS, ...opts.bounds };
  const capBps = opts.adapterCapBps ?? 6_000n;

  const token = await deployContract(deployer, "TestToken", ["Keel USD Coin", "kUSDC", 6, me]);
  const asset = await token.getAddress();
  const vault = await deployContract(deployer, "KeelVault", [
    asset,
    "keel kUSDC vault",
    "keelUSDC",
    VAULT_DECIMALS_OFFSET,
    opts.depositCapUnits ?? MAX_UINT256,
    me,
  ]);
  const vaultAddress = await vault.getAddress();
  const allocator = await deployContract(deployer, "KeelAllocator", [vaultAddress, me, boundsTuple(bounds)]);
  const allocatorAddress = await allocator.getAddress();
  await send(vault, "setAllocator", [allocatorAddress]);

  const usdFeed = await deployContract(deployer, "MockAggregator", [8, "kUSDC / USD", 100_000_000n, me]);
  const weth = await deployContract(deployer, "TestToken", ["Keel Wrapped Ether", "kWETH", 18, me]);
  const ethFeed = await deployContract(deployer, "MockAggregator", [8, "kWETH / USD", ETH_PRICE_USD * 100_000_000n, me]);
  const baseFeed = await usdFeed.getAddress();
  const wethFeed = await ethFeed.getAddress();
  const ctx: SourceContext = { deployer, me, token, asset, allocator: allocatorAddress, baseFeed };
  const adapters: DeployedAdapter[] = [];
  const extra: Record<string, string> = { deployer: me, weth: await weth.getAddress() };
  const list = async (address: string, meta: Omit<DeployedAdapter, "address">): Promise<void> => {
    await send(allocator, "addAdapter", [address, capBps]);
    adapters.push({ address, ...meta });
  };

  for (const [i, label] of ["A", "B"].entries()) {
    const s = await deployErc4626Source(ctx, label);
    await list(s.adapter, { kind: "vault", protocol: "erc4626", target: s.target, name: `Yield Vault ${label}` });
    extra[`yieldVault${i}`] = s.target;
  }

  const aave = await deployAaveSource(
    ctx,
    { token: weth, symbol: "kWETH", decimals: 18, feed: wethFeed },
    { supplyBase: units(1_000_000, 6), collateralOther: units(1_000, 18), borrowBase: units(400_000, 6) },
  );
  await list(aave.adapter, { kind: "lending", protocol: "aave-v3", target: aave.market.pool, name: "Aave v3 kUSDC" });
  Object.assign(extra, {
    aavePool: aave.market.pool,
    aaveAddressesProvider: aave.market.addressesProvider,
    aaveConfigurator: aave.market.configurator,
    aaveOracle: aave.market.oracle,
    aaveDataProvider: aave.market.dataProvider,
    aaveRateStrategy: aave.market.rateStrategy,
    aToken: aave.market.reserves[asset]?.aToken ?? "",
    aaveVariableDebtToken: aave.market.reserves[asset]?.variableDebtToken ?? "",
    aaveBorrower: me,
  });

  const uni = await deployUniswapSource(
    ctx,
    { token: weth, feed: wethFeed },
    { base: units(30_000_000, 6), other: units(30_000_000n / ETH_PRICE_USD, 18) },
    { maxOracleAgeSeconds: opts.maxOracleAgeSeconds ?? 86_400n, slippageBps: 100n },
  );
  await list(uni.adapter, { kind: "lp", protocol: "uniswap-v2", target: uni.market.pair, name: "Uniswap v2 kUSDC/kWETH" });
  Object.assign(extra, { uniswapFactory: uni.market.factory, uniswapPair: uni.market.pair });

  await handOverRoles(vault, allocator, me, opts);
  return {
    chainId,
    asset: { address: asset, symbol: "kUSDC", decimals: 6 },
    vault: vaultAddress,
    allocator: allocatorAddress,
    adapters,
    oracles: { "kUSDC/USD": baseFeed, "kWETH/USD": wethFeed },
    extra,
  };
}

/** The Bounds struct as the allocator's ABI expects it. */
export function boundsTuple(b: KeelBounds): bigint[] {
  return [b.maxMoveBps, b.maxLossBps, b.cooldownSeconds, b.maxRebalancesPerDay, b.minIdleBps, b.maxDeviationBps];
}

async function handOverRoles(vault: Deployed, allocator: Deployed, me: string, opts: DeployKeelOptions): Promise<void> {
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
  for (const [c, r] of [
    [vault, vManager],
    [vault, vAdmin],
    [allocator, aManager],
    [allocator, aAdmin],
  ] as const) {
    await send(c, "grantRole", [r, opts.manager]);
  }
  for (const [c, r] of [
    [vault, vManager],
    [allocator, aManager],
    [vault, vAdmin],
    [allocator, aAdmin],
  ] as const) {
    await send(c, "renounceRole", [r, me]);
  }
}
