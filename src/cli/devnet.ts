import { parseConfig } from "../config/load.ts";
import { startDevnet } from "../devnet/devnet.ts";
import { startOperatorServices } from "../devnet/operator.ts";
import { writeDevnetFiles } from "../devnet/operatorFiles.ts";
import { createLogger } from "../observability/logger.ts";
import { createShutdown, installSignalHandlers } from "../runtime/shutdown.ts";

/** Options of `keel devnet`. */
export interface DevnetCommandOptions {
  readonly port: number;
  readonly seed: number;
  readonly stateDir: string;
  readonly data?: string;
  readonly safe?: boolean;
  readonly signer?: string[];
  readonly relay?: boolean;
  readonly kms?: boolean;
}

/**
 * `keel devnet`: the chain, the deployment and the market simulator — with `--safe`, `--relay` and
 * `--kms` also a 2-of-3 Safe, a bundle relay and a KMS endpoint — until SIGINT/SIGTERM. Writes
 * `deployment.json` and a ready `keel.yaml` in `--state-dir`.
 */
export async function devnetCommand(opts: DevnetCommandOptions): Promise<void> {
  const { config } = parseConfig({}, "defaults");
  const logger = createLogger(config.log);
  const shutdown = createShutdown({ graceMs: 5_000 }, { logger });
  installSignalHandlers(shutdown, { logger, exit: (code) => process.exit(code) });
  const devnet = await startDevnet(
    { ...config.devnet, seed: opts.seed, httpPort: opts.port, autoStep: false, data: opts.data },
    { logger },
  );
  shutdown.onClose("devnet", () => devnet.close());
  const services = await startOperatorServices(
    devnet,
    { safe: opts.safe === true, signerKeystores: opts.signer, relay: opts.relay === true, kms: opts.kms === true },
    { logger },
  );
  shutdown.onClose("services", () => services.close());
  // The simulator trades from the deployer account: it starts once the Safe is deployed.
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
