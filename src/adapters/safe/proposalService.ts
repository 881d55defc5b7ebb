import { join } from "node:path";
import type { AbstractSigner, Provider } from "ethers";
import type { Logger } from "pino";
import type { KeelConfig } from "../../config/schema.ts";
import { readSecret } from "../../config/secrets.ts";
import type { ExecutionMetrics } from "../../execution/lifecycle.ts";
import type { IntentStore } from "../../ports/intentStore.ts";
import type { PendingProposalRow, ProposalService } from "../../ports/proposals.ts";
import type { NodeErrors } from "../ethers/nodeErrors.ts";
import type { AllocatorCodec } from "../execution/allocatorCodec.ts";
import type { ExecutionWiringOptions } from "../execution/wiring.ts";
import { createSigner } from "../signers/signer.ts";
import { initSafeKit } from "./kit.ts";
import { openProposalStore, type ProposalStore } from "./proposalStore.ts";
import { reviewProposals } from "./review.ts";
import { createSafeExecutor } from "./safeExecutor.ts";
import { createTxService } from "./txService.ts";

/** Where the Safe is and what it proposes for (the wiring's target fields). */
export interface SafeProposalServiceOptions
  extends Pick<
    ExecutionWiringOptions,
    "stateDir" | "allocator" | "vault" | "chainId" | "asset" | "safeProvider" | "safeContracts"
  > {
  readonly safe: KeelConfig["execution"]["safe"] & { readonly address: string };
}

/** Ports of the Safe proposal service. */
export interface SafeProposalServiceDeps {
  readonly provider: Provider;
  /** Proposes when no separate proposer key is configured. */
  readonly keeper: AbstractSigner;
  readonly store: IntentStore;
  readonly codec: AllocatorCodec;
  readonly errors: NodeErrors;
  readonly logger?: Logger;
  readonly metrics?: ExecutionMetrics & { readonly kmsSign?: { observe(v: number): void } };
  readonly env?: NodeJS.ProcessEnv;
  readonly now: () => number;
  /** Puts a separate proposer key behind its signing policy (the keeper comes already wrapped). */
  readonly guardProposer?: (signer: AbstractSigner) => AbstractSigner;
}

/** Open proposals with their signature count. */
function openRows(proposals: ProposalStore): PendingProposalRow[] {
  return proposals
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
}

/**
 * The Safe route as a proposal service: protocol-kit against the Safe, the proposer key (its own, or
 * the keeper's), the proposal store under `<stateDir>/proposals`, and the transaction service when
 * configured.
 */
export async function createSafeProposalService(
  opts: SafeProposalServiceOptions,
  deps: SafeProposalServiceDeps,
): Promise<ProposalService> {
  const cfg = opts.safe;
  const contracts = opts.safeContracts ?? cfg.contracts;
  const kit = await initSafeKit({
    provider: opts.safeProvider,
    safe: cfg.address,
    chainId: opts.chainId,
    ...(contracts ? { contracts: contracts as never } : {}),
  });
  const guard = deps.guardProposer ?? ((s: AbstractSigner) => s);
  const proposer = cfg.proposer
    ? guard(
        await createSigner(cfg.proposer, deps.provider, {
          ...(deps.env ? { env: deps.env } : {}),
          ...(deps.metrics?.kmsSign ? { onKmsSign: (s: number) => deps.metrics?.kmsSign?.observe(s) } : {}),
        }),
      )
    : deps.keeper;
  const proposals = openProposalStore(join(opts.stateDir, "proposals"));
  const service = cfg.serviceUrl
    ? createTxService(
        {
          chainId: BigInt(opts.chainId),
          url: readSecret(cfg.serviceUrl, deps.env),
          ...(cfg.serviceApiKey ? { apiKey: readSecret(cfg.serviceApiKey, deps.env) } : {}),
        },
        deps.logger ? { logger: deps.logger } : {},
      )
    : undefined;
  const bounds = { resimulateEveryBlocks: cfg.resimulateEveryBlocks, staleDriftBps: cfg.staleDriftBps };
  const observe = {
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  };
  const executor = createSafeExecutor(
    {
      safe: cfg.address,
      allocator: opts.allocator,
      vault: opts.vault,
      chainId: opts.chainId,
      ...bounds,
      ...(opts.asset ? { asset: opts.asset } : {}),
    },
    {
      provider: deps.provider,
      proposer,
      kit,
      proposals,
      store: deps.store,
      codec: deps.codec,
      errors: deps.errors,
      ...observe,
      ...(service ? { service } : {}),
      now: deps.now,
    },
  );
  return {
    propose: (intent, signal) => executor.execute(intent, signal),
    open: () => openRows(proposals),
    review: async () =>
      (
        await reviewProposals(
          { safe: cfg.address, vault: opts.vault, ...bounds },
          { provider: deps.provider, proposals, store: deps.store, errors: deps.errors, ...observe },
        )
      ).length,
  };
}
