import { readFileSync } from "node:fs";
import { JsonRpcProvider, parseUnits, Wallet } from "ethers";
import { IERC20MetadataAbi, KeelVaultAbi } from "../adapters/ethers/abi/generated.ts";
import { typedContract, write } from "../adapters/ethers/typedContract.ts";
import { loadConfig } from "../config/load.ts";
import type { KeelConfig } from "../config/schema.ts";
import { devnetKey } from "../devnet/accounts.ts";
import { type DevnetOptions, startDevnet } from "../devnet/devnet.ts";
import { startOperatorServices } from "../devnet/operator.ts";
import { writeDevnetFiles } from "../devnet/operatorFiles.ts";
import { ConfigError } from "../domain/errors.ts";
import { createLogger } from "../observability/logger.ts";
import { createShutdown, installSignalHandlers } from "../runtime/shutdown.ts";

/** Options of `keel devnet`. */
export interface DevnetCommandOptions {
  readonly port: number;
  /** Market simulator seed (default: `devnet.seed`). */
  readonly seed?: number;
  readonly stateDir: string;
  readonly data?: string;
  readonly safe?: boolean;
  readonly signer?: string[];
  readonly relay?: boolean;
  readonly kms?: boolean;
  /** Scheduled gas-spike and depeg episodes (commander's `--no-episodes` sets false). */
  readonly episodes?: boolean;
}

/**
 * What `keel devnet` starts: the `devnet` section (its defaults with KEEL__DEVNET__* overrides, as the
 * daemon reads it), with the command's flags taking precedence.
 */
export function devnetStartOptions(opts: DevnetCommandOptions, devnet: KeelConfig["devnet"]): DevnetOptions {
  const data = opts.data ?? devnet.data;
  return {
    seed: opts.seed ?? devnet.seed,
    stepSeconds: devnet.stepSeconds,
    stepIntervalMs: devnet.stepIntervalMs,
    initialDepositUnits: devnet.initialDepositUnits,
    httpPort: opts.port,
    autoStep: false,
    episodes: devnet.episodes && opts.episodes !== false,
    ...(data === undefined ? {} : { data }),
  };
}

/**
 * `keel devnet`: the chain, the deployment and the market simulator — with `--safe`, `--relay` and
 * `--kms` also a 2-of-3 Safe, a bundle relay and a KMS endpoint — until SIGINT/SIGTERM. Writes
 * `deployment.json` and a ready `keel.yaml` in `--state-dir`. Reads the default config with KEEL__
 * environment overrides (`devnet`, `log`), as the daemon does; the state directory is only its flag
 * (a service's KEEL__STATE__DIR never receives devnet files).
 */
export async function devnetCommand(opts: DevnetCommandOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { config } = loadConfig(undefined, env);
  const logger = createLogger(config.log);
  const shutdown = createShutdown({ graceMs: 5_000 }, { logger });
  installSignalHandlers(shutdown, { logger, exit: (code) => process.exit(code) });
  const devnet = await startDevnet(devnetStartOptions(opts, config.devnet), { logger });
  shutdown.onClose("devnet", () => devnet.close());
  const services = await startOperatorServices(
    devnet,
    { safe: opts.safe === true, signerKeystores: opts.signer, relay: opts.relay === true, kms: opts.kms === true },
    { logger },
  );
  shutdown.onClose("services", () => services.close());
  // The simulator trades from the deployer account: it starts once the Safe is deployed. One step first:
  // the Safe's deployment blocks let the base fee drift from the simulator's, and a keeper pricing gas on
  // such a block would see its fee cap refused by the next step's block.
  await devnet.simulator.step();
  devnet.simulator.start(config.devnet.stepIntervalMs);
  const files = writeDevnetFiles(opts.stateDir, devnet, services);
  const extras = [
    services.safe ? `Safe ${services.safe.address} (2 of 3)` : "",
    services.relay ? `bundle relay ${services.relay.url}` : "",
    services.kms ? `KMS ${services.kms.server.endpoint}` : "",
  ].filter(Boolean);
  process.stderr.write(
    `keel devnet: JSON-RPC at ${devnet.rpcUrl} (chain ${devnet.chain.chainId})${extras.length ? `; ${extras.join("; ")}` : ""}; deployment in ${files.deployment}; config in ${files.config}\n`,
  );
  await shutdown.requested;
  await shutdown.close("signal");
}

/** Options of `keel devnet deposit`. */
export interface DepositOptions {
  readonly deployment: string;
  readonly amount: string;
}

/**
 * `keel devnet deposit`: a depositor arrives — the devnet's depositor account deposits `amount` whole units
 * of the base asset (from the reserve `keel devnet` minted it) into the vault, so the keeper has new idle
 * funds to place.
 */
export async function devnetDepositCommand(opts: DepositOptions): Promise<void> {
  if (!/^\d+(\.\d+)?$/.test(opts.amount)) throw new ConfigError(`--amount: not an amount: ${opts.amount}`);
  let d: DeploymentFile;
  try {
    d = JSON.parse(readFileSync(opts.deployment, "utf8")) as DeploymentFile;
  } catch (err) {
    throw new ConfigError(`cannot read ${opts.deployment}: ${(err as NodeJS.ErrnoException).code ?? "not JSON"}`);
  }
  const provider = new JsonRpcProvider(d.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const depositor = new Wallet(devnetKey(d.accounts.depositor.index), provider);
    const units = parseUnits(opts.amount, d.asset.decimals);
    const token = typedContract(d.asset.address, IERC20MetadataAbi, depositor);
    await (await write(token, "approve", [d.vault, units])).wait();
    const vault = typedContract(d.vault, KeelVaultAbi, depositor);
    const receipt = await (await write(vault, "deposit", [units, depositor.address])).wait();
    process.stdout.write(
      `deposited ${opts.amount} ${d.asset.symbol} into the vault ${d.vault} (tx ${receipt?.hash})\n`,
    );
  } finally {
    provider.destroy();
  }
}

/** The part of `deployment.json` a deposit needs. */
interface DeploymentFile {
  readonly rpcUrl: string;
  readonly vault: string;
  readonly asset: { readonly address: string; readonly symbol: string; readonly decimals: number };
  readonly accounts: { readonly depositor: { readonly index: number } };
}
