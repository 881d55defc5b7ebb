import { BrowserProvider, type Signer, Wallet } from "ethers";
import { readDataset } from "../adapters/dataset/reader.ts";
import { KeelVaultAbi, TestTokenAbi } from "../adapters/ethers/abi/generated.ts";
import { typedContract, write } from "../adapters/ethers/typedContract.ts";
import type { Logger } from "../observability/logger.ts";
import { DEVNET_ACCOUNTS, devnetKey } from "./accounts.ts";
import { type LocalChain, startLocalChain } from "./chain.ts";
import { deployKeel, type KeelDeployment } from "./deploy/keel.ts";
import { DevnetMarkets } from "./markets.ts";
import { datasetScript, type MarketScript } from "./replay.ts";
import { MarketSimulator } from "./simulator.ts";

export interface DevnetOptions {
  readonly seed: number;
  readonly stepSeconds: number;
  readonly stepIntervalMs: number;
  readonly initialDepositUnits: number;
  /** JSON-RPC port on 127.0.0.1 (0 = any free port). */
  readonly httpPort: number;
  /** Scheduled depeg / gas-spike episodes in the synthetic scenario. */
  readonly episodes: boolean;
  /** Start stepping the market on its own interval (false: the caller calls `simulator.step()`). */
  readonly autoStep: boolean;
  /** Chain id of the devnet chain (default 31337). */
  readonly chainId?: number;
  /** A keel dataset folder to replay (rates, gas, base-asset price) instead of the synthetic scenario. */
  readonly data?: string | undefined;
  /** Also deploy a Uniswap v3 pool and position adapter (`deployKeel({ uniswapV3: true })`). */
  readonly uniswapV3?: boolean;
}

/** A running devnet: chain, deployment, simulator and the role keys. */
export interface Devnet {
  readonly chain: LocalChain;
  readonly rpcUrl: string;
  readonly deployment: KeelDeployment;
  readonly simulator: MarketSimulator;
  /** Unix seconds of the chain's first block (the replay's start, or when the devnet started). */
  readonly genesisTime: number;
  /** Private keys of the devnet's keeper, guardian and manager accounts. */
  readonly keys: { readonly keeper: string; readonly guardian: string; readonly manager: string };
  close(): Promise<void>;
}

/**
 * Starts the embedded devnet: an EDR chain served on 127.0.0.1, keel's contracts and their protocol
 * fixtures deployed, the vault funded by a depositor, a few warm-up market steps so rates are
 * measurable, and the market simulator. Gas is priced with the devnet's kWETH feed.
 */
export async function startDevnet(opts: DevnetOptions, deps: { logger: Logger }): Promise<Devnet> {
  const log = deps.logger.child({ module: "devnet" });
  const script = opts.data === undefined ? undefined : await loadScript(opts.data, log);
  const chain = await startLocalChain({
    httpPort: opts.httpPort,
    ...(opts.chainId === undefined ? {} : { chainId: opts.chainId }),
    ...(script ? { initialDate: new Date(script.start * 1000) } : {}),
  });
  try {
    const provider = new BrowserProvider(chain.provider, chain.chainId, { cacheTimeout: -1 });
    const signer = (i: number): Signer => new Wallet(devnetKey(i), provider);
    const deployer = signer(DEVNET_ACCOUNTS.deployer);
    const keys = {
      keeper: devnetKey(DEVNET_ACCOUNTS.keeper),
      guardian: devnetKey(DEVNET_ACCOUNTS.guardian),
      manager: devnetKey(DEVNET_ACCOUNTS.manager),
    };
    const addr = (k: string) => new Wallet(k).address;
    const genesisTime = (await provider.getBlock(0))?.timestamp ?? Math.floor(Date.now() / 1000);
    const deployment = await deployKeel(deployer, {
      manager: addr(keys.manager),
      keeper: addr(keys.keeper),
      guardian: addr(keys.guardian),
      ...(opts.uniswapV3 ? { uniswapV3: true } : {}),
    });
    await fundVault(deployment, signer(DEVNET_ACCOUNTS.depositor), deployer, opts.initialDepositUnits);
    // Other depositors: the protocols are much deeper than the vault, as they would be on mainnet.
    await new DevnetMarkets(deployment, deployer).seed(opts.initialDepositUnits * 20);
    const simulator = new MarketSimulator(
      { seed: opts.seed, stepSeconds: opts.stepSeconds, episodes: opts.episodes, ...(script ? { script } : {}) },
      { deployment, provider: chain.provider, owner: deployer, logger: deps.logger },
    );
    for (let i = 0; i < 3; i++) await simulator.step();
    if (opts.autoStep) simulator.start(opts.stepIntervalMs);
    log.info({ rpcUrl: chain.rpcUrl, vault: deployment.vault, sources: deployment.adapters.length }, "devnet ready");
    return {
      chain,
      rpcUrl: chain.rpcUrl as string,
      deployment,
      simulator,
      genesisTime,
      keys,
      async close() {
        await simulator.stop();
        await chain.close();
      },
    };
  } catch (err) {
    await chain.close();
    throw err;
  }
}

/** Reads a dataset and builds the replay script for the devnet's two ERC-4626 targets. */
async function loadScript(dir: string, log: Logger): Promise<MarketScript> {
  const dataset = await readDataset(dir);
  const script = datasetScript(dataset, { targets: 2 });
  log.info(
    { data: dir, pools: script.pools, start: new Date(script.start * 1000).toISOString() },
    "devnet replays a dataset",
  );
  return script;
}

async function fundVault(d: KeelDeployment, depositor: Signer, tokenOwner: Signer, units: number): Promise<void> {
  const amount = BigInt(Math.round(units)) * 10n ** BigInt(d.asset.decimals);
  const who = await depositor.getAddress();
  await (await write(typedContract(d.asset.address, TestTokenAbi, tokenOwner), "mint", [who, amount])).wait();
  await (await write(typedContract(d.asset.address, TestTokenAbi, depositor), "approve", [d.vault, amount])).wait();
  await (await write(typedContract(d.vault, KeelVaultAbi, depositor), "deposit", [amount, who])).wait();
}
