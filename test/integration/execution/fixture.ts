import { BrowserProvider, Contract, type JsonRpcSigner, parseUnits, Wallet } from "ethers";
import { loadArtifact } from "../../../src/adapters/ethers/artifacts.ts";
import { readKeeperBounds } from "../../../src/adapters/ethers/keeperBounds.ts";
import type { ExecutionWiringOptions } from "../../../src/adapters/execution/wiring.ts";
import { deploySafe, deploySafeContracts, type SafeContracts } from "../../../src/adapters/safe/deploy.ts";
import { executionCoreOptions, maxFeePerGasWei } from "../../../src/composition/executionOptions.ts";
import type { KeelConfig } from "../../../src/config/schema.ts";
import { type LocalChain, startLocalChain } from "../../../src/devnet/chain.ts";
import { deployKeel, type KeelBounds, type KeelDeployment } from "../../../src/devnet/deploy/keel.ts";
import type { Move, Plan } from "../../../src/domain/decision.ts";
import type { KeeperBounds, Snapshot } from "../../../src/domain/snapshot.ts";
import type { Intent } from "../../../src/ports/execution.ts";

/** A devnet with keel deployed, a funded random keeper wallet and 1 000 000 kUSDC deposited. */
export interface ExecFixture {
  readonly chain: LocalChain;
  readonly provider: BrowserProvider;
  readonly deployer: JsonRpcSigner;
  readonly guardian: JsonRpcSigner;
  readonly keeper: Wallet;
  readonly deployment: KeelDeployment;
  readonly vault: Contract;
  readonly allocator: Contract;
  /** The keeper bounds as deployed (what a tick would read): the signing policy checks moves against them. */
  readonly keeperBounds: KeeperBounds;
  close(): Promise<void>;
}

export const DEPOSIT = parseUnits("1000000", 6);

/** Starts a chain, deploys keel (manager = deployer unless given) and deposits into the vault. */
export async function execFixture(
  opts: {
    manager?: string;
    /** Deploys the manager (e.g. a Safe) on the fresh chain before keel; returns its address. */
    setupManager?: (provider: BrowserProvider) => Promise<string>;
    bounds?: Partial<KeelBounds>;
    httpPort?: number;
    intervalMs?: number;
  } = {},
): Promise<ExecFixture> {
  const chain = await startLocalChain(opts.httpPort === undefined ? {} : { httpPort: opts.httpPort });
  // Sub-second interval mining is refused in the config but allowed at run time.
  if (opts.intervalMs !== undefined)
    await chain.provider.request({ method: "evm_setIntervalMining", params: [opts.intervalMs] });
  const provider = new BrowserProvider(chain.provider, undefined, { cacheTimeout: -1 });
  provider.pollingInterval = 20;
  const deployer = await provider.getSigner(0);
  const guardian = await provider.getSigner(1);
  const keeper = new Wallet(Wallet.createRandom().privateKey, provider);
  await provider.send("hardhat_setBalance", [keeper.address, "0x56BC75E2D63100000"]);
  const deployment = await deployKeel(deployer, {
    manager: opts.setupManager ? await opts.setupManager(provider) : (opts.manager ?? (await deployer.getAddress())),
    keeper: keeper.address,
    guardian: await guardian.getAddress(),
    bounds: { cooldownSeconds: 0n, ...opts.bounds },
  });
  const token = new Contract(deployment.asset.address, loadArtifact("TestToken").abi, deployer);
  const vault = new Contract(deployment.vault, loadArtifact("KeelVault").abi, deployer);
  const allocator = new Contract(deployment.allocator, loadArtifact("KeelAllocator").abi, deployer);
  await (await token.getFunction("mint")(await deployer.getAddress(), DEPOSIT)).wait();
  await (await token.getFunction("approve")(deployment.vault, DEPOSIT)).wait();
  await (await vault.getFunction("deposit")(DEPOSIT, await deployer.getAddress())).wait();
  const block = await provider.getBlock("latest");
  const keeperBounds = await readKeeperBounds(
    allocator,
    (fn) => fn(),
    deployment.adapters.map((a) => a.address),
    block?.number ?? 0,
    block?.timestamp ?? 0,
  );
  return {
    chain,
    provider,
    deployer,
    guardian,
    keeper,
    deployment,
    vault,
    allocator,
    keeperBounds,
    close: () => chain.close(),
  };
}

/** An `ExecFixture` whose manager is a Safe, with the Safe's contracts. */
export type SafeFixture = ExecFixture & { readonly safe: string; readonly contracts: SafeContracts };

/** `execFixture` with a Safe (from the npm artifacts) of `owners` at `threshold` as the manager, on an HTTP port. */
export async function execFixtureWithSafe(owners: readonly string[], threshold: number): Promise<SafeFixture> {
  let contracts: SafeContracts | undefined;
  let safe = "";
  const f = await execFixture({
    httpPort: 0,
    setupManager: async (provider) => {
      const deployer = await provider.getSigner(0);
      contracts = await deploySafeContracts(deployer);
      safe = await deploySafe(deployer, contracts, [...owners], threshold);
      return safe;
    },
  });
  return { ...f, safe, contracts: contracts! };
}

/** `createExecution`'s options for the fixture's deployment: chain 31337, one confirmation, a 200 gwei fee cap. */
export function wiringOptions(
  f: ExecFixture,
  execution: KeelConfig["execution"],
  stateDir: string,
): ExecutionWiringOptions {
  const config = { execution, chain: { confirmations: 1 }, strategy: { maxGasPriceGwei: 200 } };
  return {
    execution,
    core: executionCoreOptions(config, f.deployment.allocator),
    stateDir,
    allocator: f.deployment.allocator,
    vault: f.deployment.vault,
    chainId: 31337,
    maxFeePerGasWei: maxFeePerGasWei(config),
    safeProvider: f.chain.provider,
  };
}

/** A minimal snapshot for intents (execution reads only a few fields). */
export function fakeSnapshot(block = 1): Snapshot {
  return {
    chainId: 31337,
    block,
    timestamp: 0,
    baseAsset: { symbol: "kUSDC", decimals: 6, priceUsd: 1 },
    vault: { totalAssets: DEPOSIT, idle: DEPOSIT, totalSupply: 0n, sharePrice: 1, paused: false, shutdown: false },
    sources: [],
    prices: {},
    baseFeesWei: [],
    priorityFeeWei: 1_000_000_000n,
    nativeUsd: 3000,
    keeperBalanceWei: 0n,
  };
}

/** A plan with the given moves. */
export function planOf(moves: Move[], needsApproval = false): Plan {
  return { targetWeights: {}, moves, gainP10Usd: 10, gainP50Usd: 20, slippageUsd: 0, needsApproval };
}

/** An intent depositing `units` whole kUSDC into adapter `i`. */
export function depositIntent(f: ExecFixture, id: string, units: string, i = 0, gasUnits = 0n): Intent {
  const adapter = f.deployment.adapters[i]?.address ?? "";
  return {
    id,
    decisionId: id,
    plan: planOf([{ sourceId: adapter, direction: "deposit", amount: parseUnits(units, 6) }]),
    gas: {
      gasUnits,
      maxFeePerGasWei: 50_000_000_000n,
      maxPriorityFeePerGasWei: 1_000_000_000n,
      costWei: 0n,
      costUsd: 0,
      gainToCost: 10,
    },
    snapshot: { ...fakeSnapshot(), keeperBounds: f.keeperBounds },
  };
}
