import type { Signer } from "ethers";
import type { AaveMarket } from "./aave.ts";
import { type Deployed, deployContract } from "./contract.ts";
import {
  deployAaveFixture,
  deployUniswapFixture,
  deployUniswapV3Fixture,
  deployYieldVault,
  type FixtureContext,
  units,
} from "./sources.ts";
import {
  type DeployedAdapter,
  deployKeelSuite,
  type SourceSpec,
  type SuiteOptions,
  type UniswapV3SourceSpec,
} from "./suite.ts";
import { centredRange, sqrtPriceX96 } from "./uniswapV3.ts";

export type { AdapterKind, DeployedAdapter, KeelBounds } from "./suite.ts";
export { boundsTuple, DEFAULT_BOUNDS } from "./suite.ts";

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

/**
 * Options of `deployKeel`: the suite's roles, deposit cap, bounds, budgets, adapter cap and timings (the timelock
 * defaults to 0 on the devnet, so the simulator's manager acts at once), and the devnet's own.
 */
export interface DeployKeelOptions
  extends Pick<
    SuiteOptions,
    | "manager"
    | "keeper"
    | "guardian"
    | "sentinel"
    | "depositCapUnits"
    | "bounds"
    | "budgets"
    | "timelockSeconds"
    | "profitUnlockSeconds"
    | "adapterCapBps"
  > {
  /** Feeds older than this stop the LP adapter's moves (default 86400 s). */
  maxOracleAgeSeconds?: bigint;
  /** Also deploy a Uniswap v3 kUSDC/kWETH pool and a v3 position adapter (default: no). */
  uniswapV3?: boolean;
}

/** The devnet v3 position's on-chain range bounds (0.3 % pool, tick spacing 60). */
export const V3_RANGE_BOUNDS: UniswapV3SourceSpec["range"] = {
  minWidthTicks: 600,
  maxWidthTicks: 12_000,
  maxCentreOffsetBps: 100n,
  minRerangeInterval: 3_600n,
  maxRerangeLossBps: 50n,
};
/** Width (ticks) of the devnet v3 position's opening range: about ±12 % around the opening price. */
export const V3_OPENING_WIDTH_TICKS = 2_400;

/** Opening kWETH price on the devnet (feed and Uniswap pair). */
export const ETH_PRICE_USD = 3_000n;
/** Virtual-share offset: 6-decimals asset → 12-decimals shares. */
export const VAULT_DECIMALS_OFFSET = 6;

/** The test tokens (kUSDC, 6 decimals; kWETH, 18) and their USD feeds, owned by the deployer. */
async function deployTokens(deployer: Signer, me: string) {
  const token = await deployContract(deployer, "TestToken", ["Keel USD Coin", "kUSDC", 6, me]);
  const asset = await token.getAddress();
  const usdFeed = await deployContract(deployer, "MockAggregator", [8, "kUSDC / USD", 100_000_000n, me]);
  const weth = await deployContract(deployer, "TestToken", ["Keel Wrapped Ether", "kWETH", 18, me]);
  const ethFeed = await deployContract(deployer, "MockAggregator", [
    8,
    "kWETH / USD",
    ETH_PRICE_USD * 100_000_000n,
    me,
  ]);
  const baseFeed = await usdFeed.getAddress();
  const wethFeed = await ethFeed.getAddress();
  return { token, asset, weth, baseFeed, wethFeed };
}

/** The deployment's fixture addresses beside keel's contracts (what the market simulator and the tests drive). */
function deploymentExtra(
  me: string,
  f: {
    weth: string;
    yieldVaults: readonly string[];
    aave: AaveMarket;
    aToken: string;
    asset: string;
    uni: { factory: string; pair: string };
    v3: { spec: UniswapV3SourceSpec; router: string } | null;
  },
): Record<string, string> {
  const { weth, yieldVaults, aave, aToken, asset, uni, v3 } = f;
  return {
    deployer: me,
    weth,
    yieldVault0: yieldVaults[0]!,
    yieldVault1: yieldVaults[1]!,
    aavePool: aave.pool,
    aaveAddressesProvider: aave.addressesProvider,
    aaveConfigurator: aave.configurator,
    aaveOracle: aave.oracle,
    aaveDataProvider: aave.dataProvider,
    aaveRateStrategy: aave.rateStrategy,
    aToken,
    aaveVariableDebtToken: aave.reserves[asset]?.variableDebtToken ?? "",
    aaveBorrower: me,
    uniswapFactory: uni.factory,
    uniswapPair: uni.pair,
    ...(v3
      ? {
          uniswapV3Pool: v3.spec.pool,
          uniswapV3PositionManager: v3.spec.positionManager,
          uniswapV3Router: v3.router,
        }
      : {}),
  };
}

/**
 * The devnet: deploys the base asset (kUSDC, 6 decimals), its protocol fixtures — two ERC-4626 vaults, a real
 * Aave v3 market and a real Uniswap v2 kUSDC/kWETH pair, with Chainlink-compatible feeds — and then keel's suite
 * (`deployKeelSuite`: vault, allocator, one adapter per source, default bounds, roles handed to `opts.manager`).
 * The deployer stays owner of the test tokens, the ERC-4626 targets, the feeds and the Aave market (pool admin,
 * opening borrower): it is the devnet's market simulator.
 */
export async function deployKeel(deployer: Signer, opts: DeployKeelOptions): Promise<KeelDeployment> {
  const provider = deployer.provider;
  if (!provider) throw new Error("deployKeel: the deployer signer needs a provider");
  const chainId = Number((await provider.getNetwork()).chainId);
  const me = await deployer.getAddress();

  const { token, asset, weth, baseFeed, wethFeed } = await deployTokens(deployer, me);
  const ctx: FixtureContext = { deployer, me, token, asset, baseFeed };

  // Vault B sits behind an upgradeable proxy, as many ERC-4626 vaults do (protocol-change monitoring pins it).
  const yieldVaults = [await deployYieldVault(ctx, "A"), await deployYieldVault(ctx, "B", { proxied: true })];
  const aave = await deployAaveFixture(
    ctx,
    { token: weth, symbol: "kWETH", decimals: 18, feed: wethFeed },
    { supplyBase: units(1_000_000, 6), collateralOther: units(1_000, 18), borrowBase: units(400_000, 6) },
  );
  const aToken = aave.reserves[asset]?.aToken;
  if (!aToken) throw new Error("Aave reserve for the base asset was not listed");
  const uni = await deployUniswapFixture(ctx, weth, {
    base: units(30_000_000, 6),
    other: units(30_000_000n / ETH_PRICE_USD, 18),
  });

  const sources: SourceSpec[] = [
    { kind: "vault", name: "Yield Vault A", target: yieldVaults[0]! },
    { kind: "vault", name: "Yield Vault B", target: yieldVaults[1]! },
    { kind: "lending", name: "Aave v3 kUSDC", pool: aave.pool, aToken },
    {
      kind: "lp",
      name: "Uniswap v2 kUSDC/kWETH",
      pair: uni.pair,
      baseFeed,
      otherFeed: wethFeed,
      maxOracleAgeSeconds: opts.maxOracleAgeSeconds ?? 86_400n,
      slippageBps: 100n,
    },
  ];
  const v3 = opts.uniswapV3 ? await uniswapV3Source(ctx, weth, wethFeed, opts.maxOracleAgeSeconds ?? 86_400n) : null;
  if (v3) sources.push(v3.spec);
  const optional: Partial<SuiteOptions> = Object.fromEntries(
    (["sentinel", "depositCapUnits", "bounds", "budgets", "adapterCapBps", "profitUnlockSeconds"] as const).flatMap(
      (k) => (opts[k] === undefined ? [] : [[k, opts[k]]]),
    ),
  );
  const suite = await deployKeelSuite(deployer, {
    asset,
    vaultName: "keel kUSDC vault",
    vaultSymbol: "keelUSDC",
    decimalsOffset: VAULT_DECIMALS_OFFSET,
    manager: opts.manager,
    keeper: opts.keeper,
    guardian: opts.guardian,
    ...optional,
    timelockSeconds: opts.timelockSeconds ?? 0n,
    sources,
  });
  return {
    chainId,
    asset: { address: asset, symbol: "kUSDC", decimals: 6 },
    vault: suite.vault,
    allocator: suite.allocator,
    adapters: suite.adapters,
    oracles: { "kUSDC/USD": baseFeed, "kWETH/USD": wethFeed },
    extra: deploymentExtra(me, { weth: await weth.getAddress(), yieldVaults, aave, aToken, asset, uni, v3 }),
  };
}

/** The v3 kUSDC/kWETH pool (20 M a side at ETH_PRICE_USD) and the position's source spec, centred on the price. */
async function uniswapV3Source(
  ctx: FixtureContext,
  weth: Deployed,
  wethFeed: string,
  maxOracleAgeSeconds: bigint,
): Promise<{ spec: UniswapV3SourceSpec; router: string }> {
  const otherPerBase = { num: 10n ** 18n, den: ETH_PRICE_USD * 10n ** 6n };
  const v3 = await deployUniswapV3Fixture(ctx, weth, {
    base: units(20_000_000, 6),
    other: units(20_000_000n / ETH_PRICE_USD, 18),
    otherPerBase,
  });
  const baseIs0 = v3.token0.toLowerCase() === ctx.asset.toLowerCase();
  const sqrtP = baseIs0
    ? sqrtPriceX96(otherPerBase.num, otherPerBase.den)
    : sqrtPriceX96(otherPerBase.den, otherPerBase.num);
  const range = centredRange(sqrtP, V3_OPENING_WIDTH_TICKS, v3.tickSpacing);
  const spec: UniswapV3SourceSpec = {
    kind: "lp-v3",
    name: "Uniswap v3 kUSDC/kWETH 0.3%",
    pool: v3.pool,
    positionManager: v3.positionManager,
    baseFeed: ctx.baseFeed,
    otherFeed: wethFeed,
    maxOracleAgeSeconds,
    slippageBps: 100n,
    range: V3_RANGE_BOUNDS,
    tickLower: range.lower,
    tickUpper: range.upper,
  };
  return { spec, router: v3.router };
}
