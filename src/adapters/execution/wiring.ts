import { join } from "node:path";
import { type AbstractSigner, type Provider, Wallet } from "ethers";
import type { Logger } from "pino";
import type { KeelConfig } from "../../config/schema.ts";
import { readSecret } from "../../config/secrets.ts";
import { KeelError } from "../../domain/errors.ts";
import { createExecutionCore, type Execution, type ExecutionCoreOptions } from "../../execution/execution.ts";
import type { ExecutionMetrics, FailpointName } from "../../execution/lifecycle.ts";
import { boundsOf } from "../../execution/signingPolicy.ts";
import type { BundleRelays } from "../../ports/txSender.ts";
import { readSigningBounds } from "../ethers/keeperBounds.ts";
import { loadNodeErrors, type NodeErrors } from "../ethers/nodeErrors.ts";
import { createSafeProposalService } from "../safe/proposalService.ts";
import { boundsHolder, keeperPolicy, policyTarget, proposerPolicy, withPolicy } from "../signers/policies.ts";
import type { AllocatorCodec } from "./allocatorCodec.ts";
import { flashbotsRelays } from "./bundle.ts";
import { lifecycleDeps } from "./direct.ts";
import { openIntentStore } from "./intentStore.ts";

export type { Execution };

/** What the composition root knows about the target. */
export interface ExecutionWiringOptions {
  readonly execution: KeelConfig["execution"];
  /** The execution core's options (`executionCoreOptions`, src/composition/executionOptions.ts): its routes too. */
  readonly core: ExecutionCoreOptions;
  readonly stateDir: string;
  readonly allocator: string;
  readonly vault: string;
  readonly chainId: number;
  readonly asset?: { readonly symbol: string; readonly decimals: number };
  /** What protocol-kit talks to: an EIP-1193 provider or an RPC URL (needed for the Safe route). */
  readonly safeProvider?: unknown;
  /** Fee cap for re-pricing stuck transactions (strategy.maxGasPriceGwei in wei). */
  readonly maxFeePerGasWei: bigint;
  /** Safe contract addresses on chains without canonical deployments (devnet). */
  readonly safeContracts?: NonNullable<KeelConfig["execution"]["safe"]["contracts"]>;
}

/** Ports: the chain, the keeper signer, observability. */
export interface ExecutionWiringDeps {
  readonly provider: Provider;
  readonly keeper: AbstractSigner;
  readonly codec: AllocatorCodec;
  /** The node-error translator (default: the one loaded from the compiled artifacts). */
  readonly errors?: NodeErrors;
  readonly logger?: Logger;
  readonly metrics?: ExecutionMetrics & { readonly kmsSign?: { observe(v: number): void } };
  readonly failpoint?: (name: FailpointName, signal?: AbortSignal) => Promise<void>;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
}

function configError(message: string): KeelError {
  return new KeelError("CONFIG_INVALID", message, { retryable: false });
}

/** The Flashbots relays of the bundle route; the auth key is its own (random per start when none is configured). */
function bundleRelays(cfg: KeelConfig["execution"], deps: ExecutionWiringDeps, errors: NodeErrors): BundleRelays {
  const relays = cfg.bundle.relays.map((r) => readSecret(r, deps.env));
  if (relays.length === 0) throw configError("execution.bundle.relays is empty but the bundle route is used");
  const authSigner = cfg.bundle.authKey ? new Wallet(readSecret(cfg.bundle.authKey, deps.env)) : Wallet.createRandom();
  return flashbotsRelays(
    { relays },
    {
      provider: deps.provider,
      authSigner,
      errors,
      ...(deps.logger ? { logger: deps.logger.child({ module: "execution" }) } : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    },
  );
}

/**
 * The execution with the signing policy's bounds kept current: read from the chain before reconciliation (which may
 * sign a planned intent), and taken from each intent's own snapshot before it executes.
 */
function withSigningBounds(
  core: Execution,
  bounds: ReturnType<typeof boundsHolder>,
  at: { provider: Provider; allocator: string; vault: string },
): Execution {
  const inner = core.executor;
  return {
    ...core,
    async reconcile() {
      // Reconciliation may resume a planned intent (sign it): against the bounds as they are now.
      bounds.set(await readSigningBounds(at.provider, at.allocator, at.vault));
      return core.reconcile();
    },
    executor: {
      routeFor: (intent) => inner.routeFor(intent),
      execute(intent, signal) {
        bounds.set(boundsOf(intent.snapshot));
        return inner.execute(intent, signal);
      },
    },
  };
}

/**
 * Builds the ports over ethers — the intent store (`<stateDir>/intents.json`), chain reader,
 * broadcaster, keeper signer (behind its signing policy), Flashbots relays and the Safe proposal service
 * when configured — and hands them to the execution core.
 */
export async function createExecution(opts: ExecutionWiringOptions, deps: ExecutionWiringDeps): Promise<Execution> {
  const cfg = opts.execution;
  const now = deps.now ?? Date.now;
  const errors = deps.errors ?? loadNodeErrors();
  const store = await openIntentStore({ path: join(opts.stateDir, "intents.json"), now });
  const wantsBundle = opts.core.bundle !== undefined;
  const wantsSafe = opts.core.routing.route === "safe" || opts.core.routing.route === "auto";
  // Default-deny: every signature of the keeper (and of a separate proposer) passes the signing policy,
  // its moves checked against the bounds read with the snapshot of the intent being executed.
  const bounds = boundsHolder();
  const target = policyTarget(cfg, opts);
  const onRefused = (code: string, role: string) =>
    deps.logger?.child({ module: "execution" }).error({ code, role }, "signing policy refused a signature");
  const maxPriorityWei = opts.core.bundle?.maxPriorityFeePerGasWei ?? 0n;
  const keeper = withPolicy(
    deps.keeper,
    keeperPolicy(target, { maxFeePerGasWei: opts.maxFeePerGasWei + maxPriorityWei, proposes: !cfg.safe.proposer }),
    { bounds: bounds.current, onRefused },
  );
  const lc = lifecycleDeps(
    { allocator: opts.allocator },
    {
      signer: keeper,
      provider: deps.provider,
      codec: deps.codec,
      errors,
      store,
      now,
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.failpoint ? { failpoint: deps.failpoint } : {}),
    },
  );
  const safeAddress = cfg.safe.address;
  if (wantsSafe && !safeAddress) throw configError("execution.safe.address is required for the safe/auto route");
  const relays = wantsBundle ? bundleRelays(cfg, deps, errors) : undefined;
  const proposals =
    wantsSafe && safeAddress
      ? await createSafeProposalService(
          {
            safe: { ...cfg.safe, address: safeAddress },
            stateDir: opts.stateDir,
            allocator: opts.allocator,
            vault: opts.vault,
            chainId: opts.chainId,
            ...(opts.asset ? { asset: opts.asset } : {}),
            ...(opts.safeProvider === undefined ? {} : { safeProvider: opts.safeProvider }),
            ...(opts.safeContracts ? { safeContracts: opts.safeContracts } : {}),
          },
          {
            ...deps,
            keeper,
            guardProposer: (s) =>
              withPolicy(s, proposerPolicy({ ...target, safe: safeAddress }), { bounds: bounds.current, onRefused }),
            store,
            codec: deps.codec,
            errors,
            now,
          },
        )
      : undefined;
  const core = await createExecutionCore(opts.core, {
    lc,
    ...(relays ? { relays } : {}),
    ...(proposals ? { proposals } : {}),
  });
  return withSigningBounds(core, bounds, { provider: deps.provider, allocator: opts.allocator, vault: opts.vault });
}
