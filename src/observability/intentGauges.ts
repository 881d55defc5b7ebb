import type { Provider } from "ethers";
import type { Journal } from "../ports/journal.ts";
import type { Metrics } from "./metrics.ts";

/** The part of an intent record the gauges read (structural: src/domain/intent.ts). */
export interface IntentFacts {
  readonly decisionId: string;
  readonly route: string;
  readonly state: string;
  /** Hash of the transaction that carried the intent, once mined. */
  readonly includedTx?: string;
}

/** Where the gauges read from; the composition root wires the intent store, the chain and the journal. */
export interface IntentGaugeDeps {
  readonly metrics: Pick<Metrics, "gasSpent" | "oldestPendingIntentBlocks">;
  /** The keeper's address: only fees it paid count as gas spent. */
  readonly keeper: string | undefined;
  /** Every intent in the store. */
  intents(): readonly IntentFacts[];
  /** Payer and fee (gas used × effective gas price) of a mined transaction; null when the chain has none. */
  receipt(hash: string): Promise<{ readonly from: string; readonly fee: bigint } | null>;
  headBlock(): Promise<number>;
  /** The block a decision observed (when it was made); undefined when the journal does not know it. */
  decisionBlock(decisionId: string): Promise<number | null | undefined>;
}

/** The gauges' sources in the daemon: the intent store, the chain's receipts and head, the journal. */
export function intentGaugeSources(d: {
  metrics: IntentGaugeDeps["metrics"];
  keeper: string | undefined;
  store: { list(): readonly IntentFacts[] };
  provider: Pick<Provider, "getTransactionReceipt" | "getBlockNumber">;
  journal: Pick<Journal, "get">;
}): IntentGaugeDeps {
  return {
    metrics: d.metrics,
    keeper: d.keeper,
    intents: () => d.store.list(),
    receipt: async (hash) => {
      const r = await d.provider.getTransactionReceipt(hash);
      return r ? { from: r.from, fee: r.fee } : null;
    },
    headBlock: () => d.provider.getBlockNumber(),
    decisionBlock: async (id) => (await d.journal.get(id))?.block,
  };
}

/** Intent states that wait for the chain: sent, or about to be (a Safe proposal waits for people instead). */
const WAITING_FOR_CHAIN = new Set(["planned", "signed", "sent"]);

/**
 * `keel_gas_spent_wei_total` and `keel_oldest_pending_intent_blocks`, from the intent store. Gas: the
 * fee of every intent transaction this process sees mined and the keeper paid (intents mined before it
 * started were counted by the process that saw them). Age: blocks since the decision of the oldest
 * intent still waiting for the chain; Safe proposals wait for signers (keel_pending_proposals) instead.
 */
export function createIntentGauges(deps: IntentGaugeDeps): { update(): Promise<void> } {
  const counted = new Set(deps.intents().flatMap((r) => (r.includedTx ? [r.includedTx] : [])));
  const blocks = new Map<string, number>();
  const keeper = deps.keeper?.toLowerCase();

  async function countGas(): Promise<void> {
    for (const r of deps.intents()) {
      const hash = r.includedTx;
      if (!hash || counted.has(hash)) continue;
      const receipt = await deps.receipt(hash);
      if (!receipt) continue;
      counted.add(hash);
      if (keeper !== undefined && receipt.from.toLowerCase() === keeper) deps.metrics.gasSpent.inc(Number(receipt.fee));
    }
  }

  async function oldestWaiting(): Promise<number> {
    const waiting = deps.intents().filter((r) => r.route !== "safe" && WAITING_FOR_CHAIN.has(r.state));
    if (waiting.length === 0) return 0;
    const head = await deps.headBlock();
    let oldest = 0;
    for (const r of waiting) {
      let at = blocks.get(r.decisionId);
      if (at === undefined) {
        const b = await deps.decisionBlock(r.decisionId);
        if (b === null || b === undefined) continue;
        at = b;
        blocks.set(r.decisionId, at);
      }
      oldest = Math.max(oldest, head - at);
    }
    return oldest;
  }

  return {
    async update() {
      await countGas();
      deps.metrics.oldestPendingIntentBlocks.set(await oldestWaiting());
    },
  };
}
