import type { Provider, Signer } from "ethers";
import type { Logger } from "pino";
import { formatUnits } from "../../domain/amounts.ts";
import type { Action } from "../../domain/decision.ts";
import { KeelError } from "../../domain/errors.ts";
import type { ExecutionMetrics } from "../../execution/lifecycle.ts";
import { recordProposal } from "../../execution/proposals.ts";
import type { Executor, Intent } from "../../ports/execution.ts";
import type { IntentStore } from "../../ports/intentStore.ts";
import { KeelVaultAbi } from "../ethers/abi/generated.ts";
import { loadNodeErrors, type NodeErrors } from "../ethers/nodeErrors.ts";
import { read, typedContract } from "../ethers/typedContract.ts";
import { type AllocatorCodec, createAllocatorCodec } from "../execution/allocatorCodec.ts";
import type { SafeKit } from "./kit.ts";
import type { Proposal, ProposalStore, SafeTxFields } from "./proposalStore.ts";
import { isOpen, reviewProposals } from "./review.ts";
import { safeTxHash, signSafeTx } from "./safeTx.ts";
import type { TxService } from "./txService.ts";

/** Options of the Safe route. */
export interface SafeExecutorOptions {
  readonly safe: string;
  readonly allocator: string;
  readonly vault: string;
  readonly chainId: number;
  readonly resimulateEveryBlocks: number;
  readonly staleDriftBps: number;
  /** Base asset decimals and symbol for the human-readable summary. */
  readonly asset?: { readonly symbol: string; readonly decimals: number };
}

/** Ports of the Safe route. */
export interface SafeExecutorDeps {
  readonly provider: Provider;
  /** Signs the proposal when it is one of the Safe's owners (otherwise only proposes). */
  readonly proposer: Signer;
  readonly kit: SafeKit;
  readonly proposals: ProposalStore;
  readonly store?: IntentStore;
  readonly codec?: AllocatorCodec;
  /** The node-error translator (default: the one loaded from the compiled artifacts). */
  readonly errors?: NodeErrors;
  readonly metrics?: ExecutionMetrics;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** The Safe Transaction Service, when configured: its nonce counts, and proposals are pushed to it. */
  readonly service?: TxService;
}

/** Safe nonce for a new proposal: max(chain nonce, every open proposal's nonce + 1). Never shared. */
export async function nextSafeNonce(kit: SafeKit, proposals: ProposalStore, safe: string): Promise<number> {
  let n = await kit.getNonce();
  for (const p of proposals.list()) {
    if (p.safe.toLowerCase() === safe.toLowerCase() && isOpen(proposals.status(p.safeTxHash)))
      n = Math.max(n, p.tx.nonce + 1);
  }
  return n;
}

function summaryLines(intent: Intent, opts: SafeExecutorOptions, before: bigint): string[] {
  const a = opts.asset ?? { symbol: "units", decimals: 0 };
  const lines = intent.plan.moves.map(
    (m) =>
      `${m.direction} ${formatUnits(m.amount, a.decimals)} ${a.symbol} ${m.direction === "deposit" ? "into" : "from"} ${m.sourceId}`,
  );
  lines.push(
    `vault total assets before: ${formatUnits(before, a.decimals)} ${a.symbol} (moves keep it, minus slippage)`,
  );
  lines.push(
    `expected gain over the horizon: P10 ${intent.plan.gainP10Usd.toFixed(2)} USD, P50 ${intent.plan.gainP50Usd.toFixed(2)} USD`,
  );
  if (intent.plan.needsApproval) lines.push("outside the keeper's on-chain bounds: needs the manager (this Safe)");
  return lines;
}

/** Simulates the rebalance from the Safe and builds its Safe transaction (protocol-kit) with a readable summary. */
async function buildProposal(
  opts: SafeExecutorOptions,
  deps: SafeExecutorDeps & { readonly codec: AllocatorCodec; readonly errors: NodeErrors },
  intent: Intent,
  signal: AbortSignal,
  createdAt: number,
): Promise<Proposal> {
  const { codec, errors } = deps;
  const data = codec.encodeRebalance(intent.id, intent.plan.moves, intent.commitment);
  try {
    await deps.provider.call({ from: opts.safe, to: opts.allocator, data });
  } catch (err) {
    throw errors.translate(err, "simulate");
  }
  signal.throwIfAborted();
  const before = await read(typedContract(opts.vault, KeelVaultAbi, deps.provider), "totalAssets", []);
  // max(chain, our open proposals, the service's pending ones): never a nonce someone else holds.
  const local = await nextSafeNonce(deps.kit, deps.proposals, opts.safe);
  const nonce = deps.service ? Math.max(local, await deps.service.nextNonce(opts.safe)) : local;
  const built = await deps.kit.createTransaction({
    transactions: [{ to: opts.allocator, value: "0", data }],
    options: { nonce },
  });
  const d = built.data;
  const tx: SafeTxFields = {
    to: String(d.to),
    value: String(d.value),
    data: String(d.data),
    operation: Number(d.operation),
    safeTxGas: String(d.safeTxGas),
    baseGas: String(d.baseGas),
    gasPrice: String(d.gasPrice),
    gasToken: String(d.gasToken),
    refundReceiver: String(d.refundReceiver),
    nonce: Number(d.nonce),
  };
  const hash = await deps.kit.getTransactionHash(built);
  if (hash.toLowerCase() !== safeTxHash({ chainId: opts.chainId, safe: opts.safe }, tx).toLowerCase()) {
    throw new KeelError("SAFE_HASH_MISMATCH", "protocol-kit and keel disagree on the safeTxHash", {
      retryable: false,
    });
  }
  const proposal: Proposal = {
    safeTxHash: hash,
    safe: opts.safe,
    chainId: opts.chainId,
    intentId: intent.id,
    tx,
    summary: {
      lines: summaryLines(intent, opts, before),
      totalAssetsBefore: before.toString(),
      expectedTotalAssetsAfter: before.toString(),
      reasons: [],
    },
    proposer: await deps.proposer.getAddress(),
    createdAt,
  };
  return proposal;
}

/**
 * The Safe route: proposes `allocator.rebalance(keccak(intent.id), moves)` as a Safe transaction
 * (protocol-kit builds and hashes it) with a human-readable summary, at nonce max(chain, open
 * proposals + 1), signs it when the proposer is an owner, and stores it for `keel proposals`.
 * While an earlier proposal is open, no new one is made (PROPOSAL_PENDING, retryable; the catalogue grades it
 * a wait, so the execute stage records a halted decision, not a failed tick).
 */
export function createSafeExecutor(opts: SafeExecutorOptions, deps: SafeExecutorDeps): Executor {
  const codec = deps.codec ?? createAllocatorCodec();
  const errors = deps.errors ?? loadNodeErrors();
  const now = deps.now ?? Date.now;
  const review = () =>
    reviewProposals(
      {
        safe: opts.safe,
        vault: opts.vault,
        resimulateEveryBlocks: opts.resimulateEveryBlocks,
        staleDriftBps: opts.staleDriftBps,
      },
      {
        provider: deps.provider,
        proposals: deps.proposals,
        errors,
        ...(deps.store ? { store: deps.store } : {}),
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
      },
    );
  return {
    async execute(intent: Intent, signal: AbortSignal): Promise<Action> {
      const open = await review();
      const mine = open.find((p) => p.intentId === intent.id);
      if (mine) return { route: "safe", intentId: intent.id, txHashes: [mine.safeTxHash], status: "proposed" };
      if (open.length > 0) {
        throw new KeelError(
          "PROPOSAL_PENDING",
          `Safe proposal ${open[0]?.safeTxHash} is still open; execute or reject it first`,
          {
            retryable: true,
            context: { safeTxHash: open[0]?.safeTxHash ?? null, nonce: open[0]?.tx.nonce ?? null },
          },
        );
      }
      const proposal = await buildProposal(opts, { ...deps, codec, errors }, intent, signal, now());
      const hash = proposal.safeTxHash;
      // Signed (through the proposer's signing policy) before anything is recorded: a refused proposal leaves nothing.
      const s = await signSafeTx(deps.proposer, proposal);
      if (deps.store) {
        const metrics = deps.metrics ? { metrics: deps.metrics } : {};
        await recordProposal({ store: deps.store, encoder: codec, ...metrics }, intent, hash);
      }
      deps.proposals.put(proposal);
      const owners = (await deps.kit.getOwners()).map((o) => o.toLowerCase());
      if (owners.includes(proposal.proposer.toLowerCase())) deps.proposals.addSignature(hash, s.owner, s.signature);
      if (deps.service) {
        // The local store has it; a service that is down only delays what signers see there.
        await deps.service.propose(proposal, s.owner, s.signature).catch((err: unknown) => {
          deps.logger?.warn(
            { safeTxHash: hash, code: (err as KeelError).code ?? "UNEXPECTED" },
            "proposal not pushed to the service",
          );
        });
      }
      deps.metrics?.pendingProposals?.set(open.length + 1);
      deps.logger?.info({ intentId: intent.id, safeTxHash: hash, nonce: proposal.tx.nonce }, "Safe proposal created");
      return { route: "safe", intentId: intent.id, txHashes: [hash], status: "proposed" };
    },
  };
}
