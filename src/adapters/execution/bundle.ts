import { FlashbotsBundleProvider } from "@flashbots/ethers-provider-bundle";
import type { Provider, Signer } from "ethers";
import { KeelError } from "../../domain/errors.ts";
import { type BundleRouteOptions, createBundleRoute } from "../../execution/bundle.ts";
import type { Broadcast, ExecutionMetrics, LifecycleDeps } from "../../execution/lifecycle.ts";
import type { Executor } from "../../ports/execution.ts";
import type { LogSink } from "../../ports/log.ts";
import type { BundleRelays } from "../../ports/txSender.ts";
import { loadNodeErrors, type NodeErrors } from "../ethers/nodeErrors.ts";
import { type DirectExecutorDeps, lifecycleDeps } from "./direct.ts";

/** Options of the bundle route: the core's, plus the relay URLs (already read from their secrets). */
export interface BundleExecutorOptions extends BundleRouteOptions {
  readonly relays: readonly string[];
}

/** Ports: everything the direct route takes, plus the relay auth signer (never the keeper key). */
export interface BundleExecutorDeps extends DirectExecutorDeps {
  readonly authSigner: Signer;
}

/** Flashbots relays (eth_callBundle / eth_sendBundle); a relay's errors are logged by index, never by URL. */
export function flashbotsRelays(
  opts: { readonly relays: readonly string[] },
  deps: {
    readonly provider: Provider;
    readonly authSigner: Signer;
    readonly errors: NodeErrors;
    readonly logger?: LogSink;
    readonly metrics?: ExecutionMetrics;
  },
): BundleRelays {
  let clients: FlashbotsBundleProvider[] | undefined;
  const log = deps.logger;
  async function relayClients(): Promise<FlashbotsBundleProvider[]> {
    if (clients) return clients;
    if (opts.relays.length === 0)
      throw new KeelError("BUNDLE_NO_RELAY", "bundle route without relays", { retryable: false });
    const network = await deps.provider.getNetwork();
    clients = opts.relays.map(
      (url) => new FlashbotsBundleProvider(deps.provider as never, deps.authSigner as never, url, network as never),
    );
    return clients;
  }
  return {
    ready: async () => void (await relayClients()),
    async simulate(raw, target) {
      // The first relay that answers simulates; a dead relay is skipped (its error may carry its URL).
      for (const [i, relay] of (await relayClients()).entries()) {
        let sim: Awaited<ReturnType<FlashbotsBundleProvider["simulate"]>>;
        try {
          sim = await relay.simulate([raw], target);
        } catch {
          log?.warn({ relay: i }, "relay simulation unreachable");
          continue;
        }
        if ("error" in sim) {
          log?.warn({ relay: i, code: sim.error.code }, "relay refused the simulation");
          continue;
        }
        const revert = sim.firstRevert as { revert?: string } | undefined;
        return revert ? { ok: false, revert: deps.errors.decodeRevert(revert.revert) } : { ok: true };
      }
      throw new KeelError("BUNDLE_RELAY_UNAVAILABLE", "no relay could simulate the bundle", { retryable: true });
    },
    async send(raw, target) {
      let accepted = 0;
      for (const [i, relay] of (await relayClients()).entries()) {
        try {
          const res = await relay.sendRawBundle([raw], target);
          if ("error" in res) {
            deps.metrics?.bundleAttempts?.inc({ result: "rejected" });
            log?.warn({ relay: i, code: res.error.code }, "relay rejected bundle");
          } else {
            accepted++;
            deps.metrics?.bundleAttempts?.inc({ result: "sent" });
          }
        } catch {
          // The library's message carries the relay URL: log only which relay.
          deps.metrics?.bundleAttempts?.inc({ result: "error" });
          log?.warn({ relay: i }, "relay unreachable");
        }
      }
      return accepted;
    },
  };
}

/** The private bundle route (see `createBundleRoute`) over ethers and Flashbots relays. */
export function createBundleExecutor(
  opts: BundleExecutorOptions,
  deps: BundleExecutorDeps,
): Executor & { readonly resend: Broadcast } {
  const lc: LifecycleDeps = lifecycleDeps(opts, deps);
  const relays = flashbotsRelays(opts, {
    provider: deps.provider,
    authSigner: deps.authSigner,
    errors: deps.errors ?? loadNodeErrors(),
    ...(lc.logger ? { logger: lc.logger } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  return createBundleRoute(opts, lc, relays);
}
