import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../adapters/fs/atomicFile.ts";
import { parseConfig } from "../config/load.ts";
import { DEVNET_ACCOUNTS, startDevnet } from "../devnet/devnet.ts";
import { createLogger } from "../observability/logger.ts";
import { createShutdown, installSignalHandlers } from "../runtime/shutdown.ts";

/** `keel devnet`: only the chain, the deployment and the market simulator, until SIGINT/SIGTERM. */
export async function devnetCommand(opts: {
  port: number;
  seed: number;
  stateDir: string;
  data?: string;
}): Promise<void> {
  const { config } = parseConfig({}, "defaults");
  const logger = createLogger(config.log);
  const shutdown = createShutdown({ graceMs: 5_000 }, { logger });
  installSignalHandlers(shutdown, { logger, exit: (code) => process.exit(code) });
  const devnet = await startDevnet(
    { ...config.devnet, seed: opts.seed, httpPort: opts.port, autoStep: true, data: opts.data },
    { logger },
  );
  shutdown.onClose("devnet", () => devnet.close());
  mkdirSync(opts.stateDir, { recursive: true });
  const file = join(opts.stateDir, "deployment.json");
  writeFileAtomic(
    file,
    `${JSON.stringify({ rpcUrl: devnet.rpcUrl, accounts: DEVNET_ACCOUNTS, ...devnet.deployment }, null, 2)}\n`,
  );
  process.stderr.write(
    `keel devnet: JSON-RPC at ${devnet.rpcUrl} (chain ${devnet.chain.chainId}); deployment in ${file}\n`,
  );
  await shutdown.requested;
  await shutdown.close("signal");
}
