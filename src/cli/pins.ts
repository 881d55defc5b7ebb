import { stringify } from "yaml";
import { chainProviderOptions } from "../adapters/chain/options.ts";
import { createChainProvider } from "../adapters/chain/provider.ts";
import { capturePins } from "../adapters/ethers/pinCapture.ts";
import { loadConfig } from "../config/load.ts";
import { readSecret } from "../config/secrets.ts";
import { ConfigError, KeelError } from "../domain/errors.ts";
import { readRuntime } from "../runtime/runtimeFile.ts";
import { printJson } from "./output.ts";

/**
 * `keel pins`: the `monitor` section that pins the current deployment — each allocator adapter's proxy slots,
 * code hashes, admin and parameter getters, Aave reserve configuration and oracle sources, watched feeds — read
 * at the latest block. With a config naming an RPC URL it reads that chain (`contracts.allocator`); with none,
 * the running devnet found in the state directory. Review it, then paste it into the config to approve it.
 */
export async function pinsCommand(opts: { config?: string; rpc?: string; json?: boolean }): Promise<void> {
  const { config, devnet } = loadConfig(opts.config);
  let rpcUrl = opts.rpc;
  let allocator = config.contracts.allocator;
  if (devnet && opts.rpc === undefined) {
    const runtime = readRuntime(config.state.dir);
    if (!runtime?.devnetRpcUrl) {
      throw new KeelError(
        "NO_DEVNET",
        `no running devnet daemon found in ${config.state.dir} (start one with: keel run)`,
        {
          retryable: true,
        },
      );
    }
    rpcUrl = runtime.devnetRpcUrl;
    allocator = runtime.allocator;
  }
  rpcUrl ??= config.chain.rpcUrls[0] ? readSecret(config.chain.rpcUrls[0]) : undefined;
  if (!rpcUrl || !allocator) {
    throw new ConfigError("need chain.rpcUrls and contracts.allocator (or a running devnet)", [
      { path: "contracts.allocator", message: "required" },
    ]);
  }
  const provider = createChainProvider(chainProviderOptions(config.chain, [rpcUrl]));
  try {
    await provider.verifyChain();
    const sources = await capturePins(
      allocator,
      { provider },
      { maxConstantRounds: config.monitor.feedMaxConstantRounds },
    );
    const monitor = { critical: config.monitor.critical, sources };
    if (opts.json) printJson({ monitor });
    else process.stdout.write(stringify({ monitor }));
  } finally {
    await provider.close();
  }
}
