import { Wallet } from "ethers";
import { chainProviderOptions } from "../adapters/chain/options.ts";
import { type ChainProvider, createChainProvider } from "../adapters/chain/provider.ts";
import { shiftedClock } from "../adapters/clock.ts";
import type { LoadedConfig } from "../config/load.ts";
import { readSecret } from "../config/secrets.ts";
import { DEVNET_NATIVE_SYMBOL, feedsBySymbol } from "../devnet/accounts.ts";
import type { Devnet } from "../devnet/devnet.ts";
import { ConfigError, KeelError } from "../domain/errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Clock } from "../ports/clock.ts";
import { readRuntime } from "../runtime/runtimeFile.ts";
import type { Shutdown } from "../runtime/shutdown.ts";
import type { KeySpec } from "./keys.ts";

/** Where keel acts: the contracts, the RPC endpoints and the keys, from config or from the devnet. */
export interface Target {
  readonly rpcUrls: string[];
  readonly vault: string;
  readonly allocator: string;
  /** Chainlink-compatible feeds by symbol. */
  readonly oracles: Record<string, string>;
  /** Which of them prices gas. */
  readonly nativeSymbol: string;
  readonly keeper: KeySpec;
  readonly guardian: KeySpec | undefined;
  readonly devnet?: Devnet;
}

/** Resolves where to act: the embedded devnet when no RPC URL is configured, else the configured chain. */
export async function resolveTarget(
  loaded: LoadedConfig,
  deps: { readonly logger: Logger; readonly shutdown: Shutdown },
): Promise<Target> {
  const { config } = loaded;
  if (loaded.devnet) {
    // Loaded here only: the devnet brings Hardhat, which a live daemon never loads.
    const { startDevnet } = await import("../devnet/devnet.ts");
    const devnet = await startDevnet({ ...config.devnet, httpPort: 0, autoStep: true }, { logger: deps.logger });
    deps.shutdown.onClose("devnet", () => devnet.close());
    return {
      rpcUrls: [devnet.rpcUrl],
      vault: devnet.deployment.vault,
      allocator: devnet.deployment.allocator,
      oracles: feedsBySymbol(devnet.deployment.oracles),
      nativeSymbol: DEVNET_NATIVE_SYMBOL,
      keeper: { type: "devnet", key: devnet.keys.keeper },
      guardian: { type: "devnet", key: devnet.keys.guardian },
      devnet,
    };
  }
  const { vault, allocator } = config.contracts;
  if (!vault || !allocator) {
    throw new ConfigError("contracts.vault and contracts.allocator are required with an RPC URL", [
      ...(vault ? [] : [{ path: "contracts.vault", message: "required when chain.rpcUrls is set" }]),
      ...(allocator ? [] : [{ path: "contracts.allocator", message: "required when chain.rpcUrls is set" }]),
    ]);
  }
  if (!config.execution.keeper && !config.execution.dryRun && config.execution.mode === "live") {
    throw new ConfigError("execution.keeper is required in live mode unless execution.dryRun is true", [
      { path: "execution.keeper", message: "required" },
    ]);
  }
  return {
    rpcUrls: config.chain.rpcUrls.map((ref) => readSecret(ref)),
    vault,
    allocator,
    oracles: { ...config.contracts.oracles },
    nativeSymbol: config.contracts.nativePriceSymbol,
    keeper: config.execution.keeper ?? { type: "devnet", key: Wallet.createRandom().privateKey },
    guardian: config.execution.guardian,
  };
}

/** Where a CLI command acts on a running keel: one RPC endpoint, which chain it is, the contracts it knows. */
export interface RunningChain {
  readonly rpcUrl: string;
  readonly devnet: boolean;
  readonly vault: string | undefined;
  readonly allocator: string | undefined;
}

/**
 * Resolves where a CLI command acts, never mixing the two sources: with `--rpc` or a config naming an RPC URL,
 * that chain and the configured contracts only (a devnet's `runtime.json` left in the state directory is ignored);
 * with neither, the running devnet daemon's chain and contracts, from the runtime file it publishes in the state
 * directory (NO_DEVNET, retryable, until one runs).
 */
export function runningChain(
  loaded: LoadedConfig,
  opts: { readonly rpc?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): RunningChain {
  const { config } = loaded;
  if (loaded.devnet && opts.rpc === undefined) {
    const runtime = readRuntime(config.state.dir);
    if (!runtime?.devnetRpcUrl) {
      throw new KeelError(
        "NO_DEVNET",
        `no running devnet daemon found in ${config.state.dir} (start one with: keel run)`,
        { retryable: true },
      );
    }
    return { rpcUrl: runtime.devnetRpcUrl, devnet: true, vault: runtime.vault, allocator: runtime.allocator };
  }
  const first = config.chain.rpcUrls[0];
  const rpcUrl = opts.rpc ?? (first ? readSecret(first, env) : undefined);
  if (!rpcUrl) throw new ConfigError("need chain.rpcUrls", [{ path: "chain.rpcUrls", message: "required" }]);
  return { rpcUrl, devnet: false, vault: config.contracts.vault, allocator: config.contracts.allocator };
}

/** A running chain with the one contract a command needs. */
export type RunningTarget<K extends "vault" | "allocator"> = { readonly rpcUrl: string; readonly devnet: boolean } & {
  readonly [k in K]: string;
};

/** `runningChain`, with the contract the command needs: a missing one is a config error. */
export function runningTarget<K extends "vault" | "allocator">(
  loaded: LoadedConfig,
  opts: { readonly rpc?: string | undefined },
  need: K,
): RunningTarget<K> {
  const { rpcUrl, devnet, [need]: address } = runningChain(loaded, opts);
  if (!address) {
    throw new ConfigError(`need contracts.${need} with chain.rpcUrls (or a running devnet)`, [
      { path: `contracts.${need}`, message: "required" },
    ]);
  }
  return { rpcUrl, devnet, [need]: address } as RunningTarget<K>;
}

/**
 * Connects to the target's chain: the provider (closed at shutdown), checked to serve the configured chain id,
 * and the clock freshness is judged by — the chain's own timeline (a devnet replaying history runs in the past).
 */
export async function connectTarget(
  loaded: LoadedConfig,
  target: Target,
  deps: { readonly logger: Logger; readonly metrics: Metrics; readonly shutdown: Shutdown; readonly clock: Clock },
): Promise<{ provider: ChainProvider; chainClock: Clock }> {
  const { config } = loaded;
  const { clock } = deps;
  const chainClock = target.devnet ? shiftedClock(clock, target.devnet.genesisTime * 1000 - clock.now()) : clock;
  const provider = createChainProvider(chainProviderOptions(config.chain, target.rpcUrls), {
    metrics: deps.metrics,
    logger: deps.logger,
    clock: chainClock,
  });
  deps.shutdown.onClose("provider", () => provider.close());
  try {
    await provider.verifyChain();
  } catch (err) {
    if (err instanceof KeelError && err.code === "CHAIN_ID_MISMATCH") {
      throw new ConfigError("the chain does not have the configured chain id", [
        { path: "chain.chainId", message: `${config.chain.chainId} configured, but the node serves another chain` },
      ]);
    }
    throw err;
  }
  return { provider, chainClock };
}
