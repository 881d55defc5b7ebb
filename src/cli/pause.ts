import { Wallet } from "ethers";
import { chainProviderOptions } from "../adapters/chain/options.ts";
import { createChainProvider } from "../adapters/chain/provider.ts";
import { createVaultKillSwitch } from "../adapters/ethers/killSwitch.ts";
import { vaultKeyPolicy, withPolicy } from "../adapters/signers/policies.ts";
import { createSigner } from "../adapters/signers/signer.ts";
import { loadConfig } from "../config/load.ts";
import { readSecret } from "../config/secrets.ts";
import { DEVNET_ACCOUNTS, devnetKey } from "../devnet/accounts.ts";
import { ConfigError, KeelError } from "../domain/errors.ts";
import { readRuntime } from "../runtime/runtimeFile.ts";

/**
 * `keel pause` (guardian or manager key) / `keel unpause` (manager key). With a config naming an RPC
 * URL it uses the configured keys; with none it acts on the running devnet found in the state directory.
 */
export async function pauseCommand(which: "pause" | "unpause", opts: { config?: string; rpc?: string }): Promise<void> {
  const loaded = loadConfig(opts.config);
  const { config } = loaded;
  let rpcUrl = opts.rpc;
  let vault = config.contracts.vault;
  let key: Wallet | undefined;
  if (loaded.devnet && opts.rpc === undefined) {
    const runtime = readRuntime(config.state.dir);
    if (!runtime?.devnetRpcUrl) {
      throw new KeelError(
        "NO_DEVNET",
        `no running devnet daemon found in ${config.state.dir} (start one with: keel run)`,
        { retryable: true },
      );
    }
    rpcUrl = runtime.devnetRpcUrl;
    vault = runtime.vault;
    key = new Wallet(devnetKey(which === "pause" ? DEVNET_ACCOUNTS.guardian : DEVNET_ACCOUNTS.manager));
  }
  rpcUrl ??= config.chain.rpcUrls[0] ? readSecret(config.chain.rpcUrls[0]) : undefined;
  if (!rpcUrl || !vault)
    throw new ConfigError("need chain.rpcUrls and contracts.vault (or a running devnet)", [
      { path: "contracts.vault", message: "required" },
    ]);
  const provider = createChainProvider(chainProviderOptions(config.chain, [rpcUrl]));
  try {
    await provider.verifyChain();
    const spec = which === "pause" ? (config.execution.guardian ?? config.execution.manager) : config.execution.manager;
    const signer = key ? key.connect(provider) : spec ? await createSigner(spec, provider) : undefined;
    if (!signer) {
      throw new ConfigError(`no key configured for ${which}`, [
        { path: which === "pause" ? "execution.guardian" : "execution.manager", message: "required" },
      ]);
    }
    // `keel pause` signs `vault.pause()` only; `keel unpause` the manager's pause/unpause (signing policy).
    const policy = vaultKeyPolicy(
      which === "pause" ? "guardian" : "manager",
      { chainId: config.chain.chainId, vault, ...config.execution.signingPolicy },
      { maxFeePerGasWei: BigInt(Math.round(config.execution.signingPolicy.pauseMaxFeeGwei * 1e9)) },
    );
    const ks = createVaultKillSwitch({ vault }, { signer: withPolicy(signer, policy) });
    const signal = AbortSignal.timeout(config.chain.requestTimeoutMs * 6);
    const hash = which === "pause" ? await ks.pause("MANUAL", signal) : await ks.unpause(signal);
    process.stdout.write(hash ? `${which}d vault ${vault} in tx ${hash}\n` : `vault ${vault} was already ${which}d\n`);
  } finally {
    await provider.close();
  }
}
