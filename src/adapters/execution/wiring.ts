import { join } from "node:path";
import { type AbstractSigner, type Provider, Wallet } from "ethers";
import type { Logger } from "pino";
import type { KeelConfig } from "../../config/schema.ts";
import { readSecret } from "../../config/secrets.ts";
import { KeelError } from "../../domain/errors.ts";
import type { Route } from "../../pipeline/execute/route.ts";
import type { Executor } from "../../ports/execution.ts";
import { initSafeKit } from "../safe/kit.ts";
import { openProposalStore } from "../safe/proposalStore.ts";
import { reviewProposals } from "../safe/review.ts";
import { createSafeExecutor } from "../safe/safeExecutor.ts";
import { createTxService } from "../safe/txService.ts";
import { createSigner } from "../signers/signer.ts";
import type { AllocatorCodec } from "./allocatorCodec.ts";
import { createBundleExecutor } from "./bundle.ts";
import { createDirectExecutor, lifecycleDeps } from "./direct.ts";
import type { IntentRecord } from "./intentRecord.ts";
import type { IntentStore } from "./intentStore.ts";
import { openIntentStore } from "./intentStore.ts";
import { type Broadcast, type ExecutionMetrics, type FailpointName, finalise, publicBroadcast } from "./lifecycle.ts";
import { type ReconcileSummary, reconcileOnStart } from "./reconcile.ts";
import { createRoutingExecutor, type RoutingExecutor } from "./router.ts";

/** What the composition root knows about the target. */
export interface ExecutionWiringOptions {
  readonly execution: KeelConfig["execution"];
  readonly confirmations: number;
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
  readonly logger?: Logger;
  readonly metrics?: ExecutionMetrics & { readonly kmsSign?: { observe(v: number): void } };
  readonly failpoint?: (name: FailpointName, signal?: AbortSignal) => Promise<void>;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
}

/** The execution layer, wired. */
export interface Execution {
  readonly executor: RoutingExecutor;
  readonly store: IntentStore;
  /** Run under the process lock before the first tick: reconciles intents and reviews Safe proposals. */
  reconcile(): Promise<ReconcileSummary>;
  /** Marks included intents final once confirmed (cheap; call every tick so pending views stay true). */
  settle(): Promise<number>;
  /** Re-simulates open Safe proposals (call every tick; it rate-limits itself by block). */
  reviewProposals(): Promise<number>;
  /** Unfinished intents, as stored (the API shapes them with `toPendingIntentView`). */
  listPendingIntents(): Promise<IntentRecord[]>;
  /** Open Safe proposals with their signature count, shaped for the API (`ProposalView`). */
  listPendingProposals(): Promise<PendingProposalRow[]>;
}

/** One open Safe proposal for the API / dashboard. */
export interface PendingProposalRow {
  safeTxHash: string;
  decisionId: string;
  nonce: number;
  state: string;
  confirmations: number;
  summary: string;
  createdAt: number;
  stale: boolean;
}

/**
 * Builds the intent store (`<stateDir>/intents.json`), one nonce manager, the direct route, the
 * bundle and Safe routes when configured, and the router. The relay auth key is its own key (random
 * per start when none is configured) — never the keeper key.
 */
export async function createExecution(opts: ExecutionWiringOptions, deps: ExecutionWiringDeps): Promise<Execution> {
  const cfg = opts.execution;
  const now = deps.now ?? Date.now;
  const store = await openIntentStore({ path: join(opts.stateDir, "intents.json"), now });
  const base = {
    signer: deps.keeper,
    provider: deps.provider,
    codec: deps.codec,
    store,
    now,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.failpoint ? { failpoint: deps.failpoint } : {}),
  };
  const lcProbe = lifecycleDeps({ allocator: opts.allocator }, base);
  const nonces = lcProbe.nonces;
  const shared = { ...base, nonces };
  const common = {
    allocator: opts.allocator,
    confirmations: opts.confirmations,
    gasLimitBufferBps: cfg.gasLimitBufferBps,
  };
  const replace = { stuckAfterMs: cfg.receiptTimeoutMs, bumpBps: 1_250, maxFeePerGasWei: opts.maxFeePerGasWei };
  const executors: Partial<Record<Route, Executor>> = {
    direct: createDirectExecutor({ ...common, receiptTimeoutMs: cfg.receiptTimeoutMs, replace }, shared),
  };
  const wantsBundle = cfg.route === "bundle" || (cfg.route === "auto" && cfg.inBoundsRoute === "bundle");
  let bundleResend: Broadcast | undefined;
  if (wantsBundle) {
    const relays = cfg.bundle.relays.map((r) => readSecret(r, deps.env));
    if (relays.length === 0) {
      throw new KeelError("CONFIG_INVALID", "execution.bundle.relays is empty but the bundle route is used", {
        retryable: false,
      });
    }
    const authSigner = cfg.bundle.authKey
      ? new Wallet(readSecret(cfg.bundle.authKey, deps.env))
      : Wallet.createRandom();
    const bundle = createBundleExecutor(
      {
        ...common,
        relays,
        blocks: cfg.bundle.blocks,
        priorityBumpBps: cfg.bundle.priorityBumpBps,
        maxPriorityFeePerGasWei: BigInt(Math.round(cfg.bundle.maxPriorityFeeGwei * 1e9)),
        allowPublicFallback: cfg.bundle.allowPublicFallback,
        blockWaitMs: cfg.bundle.blockWaitMs,
      },
      { ...shared, authSigner },
    );
    executors.bundle = bundle;
    bundleResend = bundle.resend;
  }
  const safeAddress = cfg.safe.address;
  const wantsSafe = cfg.route === "safe" || cfg.route === "auto";
  let review: (() => Promise<number>) | undefined;
  let openProposals: () => PendingProposalRow[] = () => [];
  if (wantsSafe && safeAddress) {
    const kit = await initSafeKit({
      provider: opts.safeProvider,
      safe: safeAddress,
      chainId: opts.chainId,
      ...((opts.safeContracts ?? cfg.safe.contracts)
        ? { contracts: (opts.safeContracts ?? cfg.safe.contracts) as never }
        : {}),
    });
    const proposer = cfg.safe.proposer
      ? await createSigner(cfg.safe.proposer, deps.provider, {
          ...(deps.env ? { env: deps.env } : {}),
          ...(deps.metrics?.kmsSign ? { onKmsSign: (s: number) => deps.metrics?.kmsSign?.observe(s) } : {}),
        })
      : deps.keeper;
    const proposals = openProposalStore(join(opts.stateDir, "proposals"));
    const service = cfg.safe.serviceUrl
      ? createTxService(
          {
            chainId: BigInt(opts.chainId),
            url: readSecret(cfg.safe.serviceUrl, deps.env),
            ...(cfg.safe.serviceApiKey ? { apiKey: readSecret(cfg.safe.serviceApiKey, deps.env) } : {}),
          },
          deps.logger ? { logger: deps.logger } : {},
        )
      : undefined;
    const safeOpts = {
      safe: safeAddress,
      allocator: opts.allocator,
      vault: opts.vault,
      chainId: opts.chainId,
      resimulateEveryBlocks: cfg.safe.resimulateEveryBlocks,
      staleDriftBps: cfg.safe.staleDriftBps,
      ...(opts.asset ? { asset: opts.asset } : {}),
    };
    executors.safe = createSafeExecutor(safeOpts, {
      provider: deps.provider,
      proposer,
      kit,
      proposals,
      store,
      codec: deps.codec,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(service ? { service } : {}),
      now,
    });
    openProposals = () =>
      proposals
        .list()
        .map((p) => ({ p, st: proposals.status(p.safeTxHash) }))
        .filter(({ st }) => st.status === "pending" || st.status === "stale")
        .map(({ p, st }) => ({
          safeTxHash: p.safeTxHash,
          decisionId: p.intentId,
          nonce: p.tx.nonce,
          state: st.status,
          confirmations: Object.keys(proposals.signatures(p.safeTxHash)).length,
          summary: p.summary.lines.join("; "),
          createdAt: p.createdAt,
          stale: st.status === "stale",
        }));
    review = async () =>
      (
        await reviewProposals(
          {
            safe: safeAddress,
            vault: opts.vault,
            resimulateEveryBlocks: cfg.safe.resimulateEveryBlocks,
            staleDriftBps: cfg.safe.staleDriftBps,
          },
          {
            provider: deps.provider,
            proposals,
            codec: deps.codec,
            store,
            ...(deps.metrics ? { metrics: deps.metrics } : {}),
            ...(deps.logger ? { logger: deps.logger } : {}),
          },
        )
      ).length;
  } else if (wantsSafe) {
    throw new KeelError("CONFIG_INVALID", "execution.safe.address is required for the safe/auto route", {
      retryable: false,
    });
  }
  const route = cfg.route;
  const executor = createRoutingExecutor(
    { route, inBoundsRoute: cfg.inBoundsRoute, allocator: opts.allocator },
    { executors, provider: deps.provider, keeper: await deps.keeper.getAddress(), codec: deps.codec },
  );
  const lc = lifecycleDeps({ allocator: opts.allocator }, shared);
  const publicResend = publicBroadcast(lc);
  const resend: Broadcast = (rec, raw, signal) =>
    rec.route === "bundle" && bundleResend ? bundleResend(rec, raw, signal) : publicResend(rec, raw, signal);
  return {
    executor,
    store,
    async settle() {
      for (const rec of store.unfinished()) {
        if (rec.state === "included") await finalise(lc, rec, opts.confirmations);
      }
      return store.unfinished().length;
    },
    async reconcile() {
      const summary = await reconcileOnStart(
        {
          confirmations: opts.confirmations,
          adoptChainHistory: cfg.adoptChainHistory,
          resend,
          settleTimeoutMs: cfg.receiptTimeoutMs,
        },
        lc,
      );
      if (review) await review();
      return summary;
    },
    reviewProposals: async () => (review ? review() : 0),
    listPendingIntents: async () => store.unfinished(),
    listPendingProposals: async () => openProposals(),
  };
}
