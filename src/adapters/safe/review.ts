import { id, type Provider } from "ethers";
import type { Logger } from "pino";
import type { ExecutionMetrics } from "../../execution/lifecycle.ts";
import { endProposalIntent } from "../../execution/proposals.ts";
import type { IntentStore } from "../../ports/intentStore.ts";
import { KeelVaultAbi } from "../ethers/abi/generated.ts";
import { loadNodeErrors, type NodeErrors } from "../ethers/nodeErrors.ts";
import { read, typedContract } from "../ethers/typedContract.ts";
import type { Proposal, ProposalStatus, ProposalStore } from "./proposalStore.ts";
import { safeContract } from "./safeTx.ts";

/** Bounds for re-simulation and staleness. */
export interface ReviewOptions {
  readonly safe: string;
  readonly vault: string;
  readonly resimulateEveryBlocks: number;
  readonly staleDriftBps: number;
}

/** Ports of the review. */
export interface ReviewDeps {
  readonly provider: Provider;
  readonly proposals: ProposalStore;
  /** The node-error translator (default: the one loaded from the compiled artifacts). */
  readonly errors?: NodeErrors;
  readonly store?: IntentStore;
  readonly metrics?: ExecutionMetrics;
  readonly logger?: Logger;
}

const EXEC_SUCCESS = id("ExecutionSuccess(bytes32,uint256)");
const EXEC_FAILURE = id("ExecutionFailure(bytes32,uint256)");

/** True while a proposal can still be executed. */
export function isOpen(s: ProposalStatus): boolean {
  return s.status === "pending" || s.status === "stale";
}

async function endIntent(deps: ReviewDeps, p: Proposal, s: ProposalStatus): Promise<void> {
  if (!deps.store) return;
  await endProposalIntent({ store: deps.store, ...(deps.metrics ? { metrics: deps.metrics } : {}) }, p.intentId, s);
}

/**
 * Reviews every open proposal of the Safe: executed (its ExecutionSuccess) or failed; rejected when
 * the Safe nonce moved past it without it; otherwise, every `resimulateEveryBlocks`, re-simulated
 * from the Safe and marked stale when it would revert or when total assets drifted beyond the
 * bound. Ends the matching intents. Returns the open proposals.
 */
export async function reviewProposals(opts: ReviewOptions, deps: ReviewDeps): Promise<Proposal[]> {
  const safe = safeContract(opts.safe, deps.provider);
  const chainNonce = Number(await read(safe, "nonce", []));
  const head = await deps.provider.getBlockNumber();
  const vault = typedContract(opts.vault, KeelVaultAbi, deps.provider);
  const open: Proposal[] = [];
  for (const p of deps.proposals.list()) {
    if (p.safe.toLowerCase() !== opts.safe.toLowerCase()) continue;
    const cur = deps.proposals.status(p.safeTxHash);
    if (!isOpen(cur)) {
      // Closed elsewhere (`keel proposals execute`): make sure its intent ended too.
      await endIntent(deps, p, cur);
      continue;
    }
    const logs = await deps.provider.getLogs({
      address: opts.safe,
      topics: [[EXEC_SUCCESS, EXEC_FAILURE], p.safeTxHash],
      fromBlock: 0,
      toBlock: head,
    });
    let next: ProposalStatus | undefined;
    const log = logs[0];
    if (log) {
      next = {
        status: log.topics[0] === EXEC_SUCCESS ? "executed" : "failed",
        txHash: log.transactionHash,
        block: log.blockNumber,
        checkedAtBlock: head,
      };
    } else if (chainNonce > p.tx.nonce) {
      next = {
        status: "rejected",
        reason: `Safe nonce ${p.tx.nonce} was used by another transaction`,
        checkedAtBlock: head,
      };
    } else if (cur.checkedAtBlock === undefined || head - cur.checkedAtBlock >= opts.resimulateEveryBlocks) {
      let reason: string | undefined;
      try {
        await deps.provider.call({ from: opts.safe, to: p.tx.to, data: p.tx.data });
      } catch (err) {
        reason = `would revert: ${(deps.errors ?? loadNodeErrors()).revertOf(err)?.name ?? "unknown"}`;
      }
      const before = BigInt(p.summary.totalAssetsBefore);
      const now = await read(vault, "totalAssets", []);
      const drift = before === 0n ? 0n : ((now > before ? now - before : before - now) * 10_000n) / before;
      if (!reason && drift > BigInt(opts.staleDriftBps)) reason = `total assets drifted ${drift} bps since proposed`;
      next = reason ? { status: "stale", reason, checkedAtBlock: head } : { status: "pending", checkedAtBlock: head };
    }
    if (next && (next.status !== cur.status || next.checkedAtBlock !== cur.checkedAtBlock)) {
      deps.proposals.setStatus(p.safeTxHash, next);
      if (next.status !== cur.status)
        deps.logger?.info({ safeTxHash: p.safeTxHash, status: next.status, reason: next.reason }, "proposal status");
      await endIntent(deps, p, next);
    }
    if (isOpen(next ?? cur)) open.push(p);
  }
  deps.metrics?.pendingProposals?.set(open.length);
  return open;
}
