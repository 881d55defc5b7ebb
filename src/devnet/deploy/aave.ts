import { Contract, type Signer } from "ethers";
import { AavePoolAbi, AavePoolAddressesProviderAbi } from "../../adapters/ethers/abi/generated.ts";
import { loadPackageArtifact } from "../../adapters/ethers/artifacts.ts";
import { read, type TypedContract, typedContract } from "../../adapters/ethers/typedContract.ts";
import { type Deployed, deployArtifact, send } from "./contract.ts";

const PKG = "@aave/core-v3";
const RAY = 10n ** 27n;
const pct = (p: number): bigint => (RAY * BigInt(Math.round(p * 100))) / 10_000n;

/** Path of an Aave v3 core artifact inside the npm package. */
const art = (dir: string, name: string) =>
  loadPackageArtifact(PKG, `artifacts/contracts/${dir}/${name}.sol/${name}.json`);

/** One reserve to list on the pool. */
export interface AaveReserveInput {
  token: string;
  symbol: string;
  decimals: number;
  /** Chainlink-compatible USD feed (AaveOracle reads `latestAnswer()`). */
  feed: string;
  /** Collateral parameters in bps (ltv, liquidation threshold, bonus incl. 100 %); omit = not collateral. */
  collateral?: { ltvBps: number; liquidationThresholdBps: number; liquidationBonusBps: number };
  borrowing: boolean;
}

/** The Aave v3 market deployed on the local chain. */
export interface AaveMarket {
  addressesProvider: string;
  pool: string;
  configurator: string;
  oracle: string;
  dataProvider: string;
  aclManager: string;
  rateStrategy: string;
  /** aToken and variable-debt token per reserve token address. */
  reserves: Record<string, { aToken: string; variableDebtToken: string }>;
}

/** The Pool behind its proxy: its logic libraries deployed and linked, its implementation initialised and set. */
async function deployPool(
  deployer: Signer,
  provider: Deployed,
  lib: (name: string, links?: Record<string, string>) => Promise<string>,
): Promise<{ poolAddr: string; pool: TypedContract<typeof AavePoolAbi> }> {
  const providerAddr = await provider.getAddress();
  const borrowLogic = await lib("BorrowLogic");
  const libraries: Record<string, string> = {
    BorrowLogic: borrowLogic,
    BridgeLogic: await lib("BridgeLogic"),
    EModeLogic: await lib("EModeLogic"),
    FlashLoanLogic: await lib("FlashLoanLogic", { BorrowLogic: borrowLogic }),
    LiquidationLogic: await lib("LiquidationLogic"),
    PoolLogic: await lib("PoolLogic"),
    SupplyLogic: await lib("SupplyLogic"),
  };
  const poolArt = art("protocol/pool", "Pool");
  const poolImpl = await deployArtifact(deployer, poolArt, [providerAddr], libraries);
  await send(poolImpl, "initialize", [providerAddr]);
  await send(provider, "setPoolImpl", [await poolImpl.getAddress()]);
  const addresses = typedContract(await provider.getAddress(), AavePoolAddressesProviderAbi, deployer);
  const poolAddr = await read(addresses, "getPool", []);
  const pool = typedContract(poolAddr, AavePoolAbi, deployer);
  return { poolAddr, pool };
}

/**
 * Lists the reserves on the pool with the token implementations and rate strategy: each as collateral and borrowable
 * as asked; returns each reserve's aToken and variable-debt token.
 */
async function listReserves(
  deployer: Signer,
  market: { poolAddr: string; pool: TypedContract<typeof AavePoolAbi>; configurator: Contract; strategy: Deployed },
  reserves: readonly AaveReserveInput[],
): Promise<AaveMarket["reserves"]> {
  const { poolAddr, pool, configurator, strategy } = market;
  const me = await deployer.getAddress();
  const impl = async (dir: string, name: string): Promise<Deployed> =>
    deployArtifact(deployer, art(dir, name), [poolAddr]);
  const aTokenImpl = await impl("protocol/tokenization", "AToken");
  const stableImpl = await impl("protocol/tokenization", "StableDebtToken");
  const variableImpl = await impl("protocol/tokenization", "VariableDebtToken");

  const inputs = await Promise.all(
    reserves.map(async (r) => [
      await aTokenImpl.getAddress(),
      await stableImpl.getAddress(),
      await variableImpl.getAddress(),
      r.decimals,
      await strategy.getAddress(),
      r.token,
      me,
      "0x0000000000000000000000000000000000000000",
      `Aave keel ${r.symbol}`,
      `a${r.symbol}`,
      `Aave keel variable debt ${r.symbol}`,
      `variableDebt${r.symbol}`,
      `Aave keel stable debt ${r.symbol}`,
      `stableDebt${r.symbol}`,
      "0x",
    ]),
  );
  await send(configurator, "initReserves", [inputs]);
  const listed: AaveMarket["reserves"] = {};
  for (const r of reserves) {
    if (r.collateral) {
      const c = r.collateral;
      await send(configurator, "configureReserveAsCollateral", [
        r.token,
        c.ltvBps,
        c.liquidationThresholdBps,
        c.liquidationBonusBps,
      ]);
    }
    if (r.borrowing) {
      await send(configurator, "setReserveBorrowing", [r.token, true]);
      await send(configurator, "setReserveFactor", [r.token, 1_000]);
    }
    const data = await read(pool, "getReserveData", [r.token]);
    listed[r.token] = { aToken: data.aTokenAddress, variableDebtToken: data.variableDebtTokenAddress };
  }
  return listed;
}

/**
 * Deploys a real Aave v3 market from the bytecode `@aave/core-v3` ships: addresses provider, ACL manager,
 * the Pool with its linked logic libraries behind its proxy, the configurator (linked), data provider,
 * AaveOracle, a default interest-rate strategy (80 % kink, 4 % / 60 % slopes), token implementations, and
 * lists `reserves`. The deployer stays pool admin (it is the devnet's operator).
 */
export async function deployAaveV3(deployer: Signer, reserves: readonly AaveReserveInput[]): Promise<AaveMarket> {
  const me = await deployer.getAddress();
  const provider = await deployArtifact(deployer, art("protocol/configuration", "PoolAddressesProvider"), [
    "keel-devnet",
    me,
  ]);
  const providerAddr = await provider.getAddress();
  await send(provider, "setACLAdmin", [me]);
  const acl = await deployArtifact(deployer, art("protocol/configuration", "ACLManager"), [providerAddr]);
  await send(provider, "setACLManager", [await acl.getAddress()]);
  await send(acl, "addPoolAdmin", [me]);
  await send(acl, "addEmergencyAdmin", [me]);

  const lib = async (name: string, links: Record<string, string> = {}): Promise<string> =>
    (await deployArtifact(deployer, art("protocol/libraries/logic", name), [], links)).getAddress();
  const { poolAddr, pool } = await deployPool(deployer, provider, lib);

  const configuratorArt = art("protocol/pool", "PoolConfigurator");
  const configuratorImpl = await deployArtifact(deployer, configuratorArt, [], {
    ConfiguratorLogic: await lib("ConfiguratorLogic"),
  });
  await send(configuratorImpl, "initialize", [providerAddr]);
  await send(provider, "setPoolConfiguratorImpl", [await configuratorImpl.getAddress()]);
  const configuratorAddr = await read(
    typedContract(providerAddr, AavePoolAddressesProviderAbi, deployer),
    "getPoolConfigurator",
    [],
  );
  const configurator = new Contract(configuratorAddr, configuratorArt.abi, deployer);

  const dataProvider = await deployArtifact(deployer, art("misc", "AaveProtocolDataProvider"), [providerAddr]);
  await send(provider, "setPoolDataProvider", [await dataProvider.getAddress()]);
  const oracle = await deployArtifact(deployer, art("misc", "AaveOracle"), [
    providerAddr,
    reserves.map((r) => r.token),
    reserves.map((r) => r.feed),
    "0x0000000000000000000000000000000000000000",
    "0x0000000000000000000000000000000000000000",
    100_000_000n,
  ]);
  await send(provider, "setPriceOracle", [await oracle.getAddress()]);

  const strategy = await deployArtifact(deployer, art("protocol/pool", "DefaultReserveInterestRateStrategy"), [
    providerAddr,
    pct(80),
    0n,
    pct(4),
    pct(60),
    0n,
    0n,
    0n,
    0n,
    pct(20),
  ]);
  const listed = await listReserves(deployer, { poolAddr, pool, configurator, strategy }, reserves);
  return {
    addressesProvider: providerAddr,
    pool: poolAddr,
    configurator: configuratorAddr,
    oracle: await oracle.getAddress(),
    dataProvider: await dataProvider.getAddress(),
    aclManager: await acl.getAddress(),
    rateStrategy: await strategy.getAddress(),
    reserves: listed,
  };
}
