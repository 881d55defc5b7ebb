import { chainProviderOptions } from "../adapters/chain/options.ts";
import { createChainProvider } from "../adapters/chain/provider.ts";
import { configuredVaultKey, devnetVaultKey, openPauseSwitch } from "../composition/keys.ts";
import { runningTarget } from "../composition/target.ts";
import { loadConfig } from "../config/load.ts";

/**
 * `keel pause` (guardian or manager key) / `keel unpause` (manager key). With a config naming an RPC
 * URL it uses the configured keys; with none it acts on the running devnet found in the state directory.
 * The key opens behind its role's signing policy exactly as the daemon's guardian does (src/composition/keys.ts):
 * `keel pause` signs `vault.pause()` only, `keel unpause` the manager's pause/unpause.
 */
export async function pauseCommand(which: "pause" | "unpause", opts: { config?: string; rpc?: string }): Promise<void> {
  const loaded = loadConfig(opts.config);
  const { config } = loaded;
  const { rpcUrl, vault, devnet } = runningTarget(loaded, opts, "vault");
  const role = which === "pause" ? "guardian" : "manager";
  const provider = createChainProvider(chainProviderOptions(config.chain, [rpcUrl]));
  try {
    await provider.verifyChain();
    const key = devnet ? devnetVaultKey(role) : configuredVaultKey(config, which);
    const ks = await openPauseSwitch(config, role, { vault, key }, { provider });
    const signal = AbortSignal.timeout(config.chain.requestTimeoutMs * 6);
    const hash = which === "pause" ? await ks.pause("MANUAL", signal) : await ks.unpause(signal);
    process.stdout.write(hash ? `${which}d vault ${vault} in tx ${hash}\n` : `vault ${vault} was already ${which}d\n`);
  } finally {
    await provider.close();
  }
}
