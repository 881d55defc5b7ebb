import { stringify } from "yaml";
import { chainProviderOptions } from "../adapters/chain/options.ts";
import { createChainProvider } from "../adapters/chain/provider.ts";
import { capturePins } from "../adapters/ethers/pinCapture.ts";
import { runningTarget } from "../composition/target.ts";
import { loadConfig } from "../config/load.ts";
import { printJson } from "./output.ts";

/**
 * `keel pins`: the `monitor` section that pins the current deployment — each allocator adapter's proxy slots,
 * code hashes, admin and parameter getters, Aave reserve configuration and oracle sources, watched feeds — read
 * at the latest block. With a config naming an RPC URL it reads that chain (`contracts.allocator`); with none,
 * the running devnet found in the state directory. Review it, then paste it into the config to approve it.
 */
export async function pinsCommand(opts: { config?: string; rpc?: string; json?: boolean }): Promise<void> {
  const loaded = loadConfig(opts.config);
  const { config } = loaded;
  const { rpcUrl, allocator } = runningTarget(loaded, opts, "allocator");
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
