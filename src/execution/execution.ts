import type { IntentRecord } from "../domain/intent.ts";
import type { RoutingPolicy } from "../pipeline/execute/route.ts";
import type { Executor } from "../ports/execution.ts";
import type { IntentStore } from "../ports/intentStore.ts";
import type { PendingProposalRow, ProposalService } from "../ports/proposals.ts";
import type { BundleRelays } from "../ports/txSender.ts";
import { type BundleRouteOptions, createBundleRoute } from "./bundle.ts";
import { createDirectRoute, type DirectExecutorOptions } from "./direct.ts";
import { type Broadcast, type LifecycleDeps, publicBroadcast } from "./lifecycle.ts";
import { type ReconcileSummary, reconcileOnStart } from "./reconcile.ts";
import { createRoutingExecutor, type RoutingExecutor } from "./router.ts";
import { finalise } from "./settle.ts";

/** The execution layer, assembled. */
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

/** How the core acts: the routing policy, the direct route's options and what reconciliation may do. */
export interface ExecutionCoreOptions extends DirectExecutorOptions {
  readonly routing: RoutingPolicy;
  readonly confirmations: number;
  readonly adoptChainHistory: boolean;
  /** How long start-up waits for rebroadcast intents to land. */
  readonly settleTimeoutMs: number;
  /** The bundle route's options, when it is used. */
  readonly bundle?: Omit<BundleRouteOptions, "allocator" | "confirmations" | "gasLimitBufferBps">;
}

/** The ports of the core: the shared lifecycle ports, plus relays and proposals when those routes are used. */
export interface ExecutionCoreDeps {
  readonly lc: LifecycleDeps;
  readonly relays?: BundleRelays;
  readonly proposals?: ProposalService;
}

/**
 * Builds the routes the ports allow (direct always; bundle with relays; Safe with a proposal
 * service), the router over them, and the settle / reconcile / review loop the daemon drives.
 */
export async function createExecutionCore(opts: ExecutionCoreOptions, deps: ExecutionCoreDeps): Promise<Execution> {
  const { lc, proposals } = deps;
  const executors: { direct: Executor; bundle?: Executor; safe?: Executor } = { direct: createDirectRoute(opts, lc) };
  let bundleResend: Broadcast | undefined;
  if (opts.bundle && deps.relays) {
    const common = { allocator: opts.allocator, confirmations: opts.confirmations };
    const bundle = createBundleRoute(
      {
        ...common,
        ...opts.bundle,
        ...(opts.gasLimitBufferBps === undefined ? {} : { gasLimitBufferBps: opts.gasLimitBufferBps }),
      },
      lc,
      deps.relays,
    );
    executors.bundle = bundle;
    bundleResend = bundle.resend;
  }
  if (proposals) executors.safe = { execute: (intent, signal) => proposals.propose(intent, signal) };
  const executor = createRoutingExecutor(
    { ...opts.routing, allocator: opts.allocator },
    { executors, chain: lc.chain, encoder: lc.encoder, keeper: await lc.signer.address() },
  );
  const publicResend = publicBroadcast(lc);
  const resend: Broadcast = (rec, raw, signal) =>
    rec.route === "bundle" && bundleResend ? bundleResend(rec, raw, signal) : publicResend(rec, raw, signal);
  const review = async () => (proposals ? proposals.review() : 0);
  return {
    executor,
    store: lc.store,
    async settle() {
      for (const rec of lc.store.unfinished()) {
        if (rec.state === "included") await finalise(lc, rec, opts.confirmations);
      }
      return lc.store.unfinished().length;
    },
    async reconcile() {
      const summary = await reconcileOnStart(
        {
          confirmations: opts.confirmations,
          adoptChainHistory: opts.adoptChainHistory,
          resend,
          settleTimeoutMs: opts.settleTimeoutMs,
        },
        lc,
      );
      await review();
      return summary;
    },
    reviewProposals: review,
    listPendingIntents: async () => lc.store.unfinished(),
    listPendingProposals: async () => proposals?.open() ?? [],
  };
}
