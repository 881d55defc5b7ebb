import PQueue from "p-queue";
import { historyEntriesFromDataset } from "../adapters/dataset/historyBackfill.ts";
import { readDataset } from "../adapters/dataset/reader.ts";
import { type BackfillSummary, backfillFromChain } from "../adapters/ethers/historyBackfill.ts";
import type { ChainMarketReader } from "../adapters/ethers/marketReader.ts";
import type { PersistedHistory } from "../adapters/store/historyTable.ts";
import type { KeelConfig } from "../config/schema.ts";
import { describeError } from "../domain/errors.ts";
import type { Logger } from "../observability/logger.ts";

/** What filling the history at start did. */
export interface HistoryFillSummary {
  /** Points taken from the configured dataset. */
  readonly dataset?: { readonly points: number; readonly unknown: string[] };
  readonly chain?: BackfillSummary;
  /** Why it failed, when it did (the daemon runs on regardless, with the history it has). */
  readonly error?: string;
}

/**
 * Fills the market history the store lacks: from the configured dataset first, then from the chain
 * (past blocks, one per missing hour, through a queue of its own so ticks keep their reads). Runs
 * beside the ticks; until a source has the history its forecaster needs, predict says so and uses the
 * baseline. Never throws.
 */
export async function fillHistory(
  opts: KeelConfig["state"]["backfill"] & { historySeconds: number; periodSeconds: number; rateWindowSeconds: number },
  deps: {
    history: PersistedHistory;
    /** A market reader of its own over `queue`. */
    reader: (queue: PQueue) => Promise<ChainMarketReader>;
    /** Block header reads: number and time. */
    block: (tag: number | "latest") => Promise<{ number: number; timestamp: number } | null>;
    /** Whether the vault's code exists at a block. */
    vaultExistsAt: (block: number) => Promise<boolean>;
    logger: Logger;
    signal: AbortSignal;
  },
): Promise<HistoryFillSummary> {
  const log = deps.logger.child({ module: "history" });
  let dataset: HistoryFillSummary["dataset"];
  try {
    const queue = new PQueue({ concurrency: opts.concurrency });
    const block = async (tag: number | "latest") => {
      const b = await queue.add(() => deps.block(tag), { throwOnTimeout: true });
      if (!b) throw new Error(`no block ${tag}`);
      return b;
    };
    if (opts.dataset) {
      const head = await block("latest");
      const data = await readDataset(opts.dataset.dir);
      const { entries, unknown } = historyEntriesFromDataset(data, {
        sources: opts.dataset.sources,
        prices: opts.dataset.prices,
        from: head.timestamp - opts.historySeconds,
        to: head.timestamp,
      });
      dataset = { points: deps.history.addAll(entries), unknown };
      if (unknown.length > 0) log.warn({ unknown, data: opts.dataset.dir }, "dataset lacks mapped pools or symbols");
      log.info({ points: dataset.points, data: opts.dataset.dir }, "market history filled from the dataset");
    }
    if (opts.days === 0) return dataset ? { dataset } : {};
    const reader = await deps.reader(queue);
    const chain = await backfillFromChain(
      { days: opts.days, periodSeconds: opts.periodSeconds, rateWindowSeconds: opts.rateWindowSeconds },
      {
        readAt: (n) => reader.readAt(n),
        head: () => block("latest"),
        timestampOf: async (n) => (await block(n)).timestamp,
        vaultExistsAt: (n) => queue.add(() => deps.vaultExistsAt(n), { throwOnTimeout: true }),
        history: deps.history,
        logger: log,
        signal: deps.signal,
      },
    );
    log.info({ ...chain }, chain.stopped ? "market history backfill stopped short" : "market history backfill done");
    return { ...(dataset ? { dataset } : {}), chain };
  } catch (err) {
    const e = describeError(err);
    if (!deps.signal.aborted) log.error({ code: e.code, err: e.message }, "market history backfill failed");
    return { ...(dataset ? { dataset } : {}), error: `[${e.code}] ${e.message}` };
  }
}
