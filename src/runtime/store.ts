import type PQueue from "p-queue";
import type { ChainMarketReader } from "../adapters/ethers/marketReader.ts";
import { HISTORY_RESOLUTION_SECONDS, type PersistedHistory } from "../adapters/store/historyTable.ts";
import { type KeelStore, openStore } from "../adapters/store/store.ts";
import type { KeelConfig } from "../config/schema.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Clock } from "../ports/clock.ts";
import { fillHistory, type HistoryFillSummary } from "./historyFill.ts";
import type { Shutdown } from "./shutdown.ts";

/**
 * Opens the state directory's store for the daemon (failing closed when a store that existed is lost,
 * see `openStoreDatabase`): journal writes timed into `keel_journal_write_seconds`, failures counted,
 * an upgrade's import of the old day files logged, closed last at shutdown.
 */
export function openDaemonStore(
  state: KeelConfig["state"],
  deps: { clock: Clock; metrics: Metrics; logger: Logger; shutdown: Shutdown },
): KeelStore {
  const log = deps.logger.child({ module: "store" });
  const store = openStore({
    dir: state.dir,
    retentionDays: state.journalRetentionDays,
    now: () => deps.clock.now(),
    onJournalWrite: (seconds, ok) => {
      deps.metrics.journalWrite.observe(seconds);
      if (!ok) deps.metrics.journalWriteFailures.inc();
    },
  });
  deps.shutdown.onClose("store", () => store.close());
  if (store.legacy.files.length > 0) log.info({ ...store.legacy, store: store.path }, "journal day files imported");
  if (store.legacy.quarantined.length > 0)
    log.error({ files: store.legacy.quarantined }, "journal day files did not parse and were moved aside");
  return store;
}

/**
 * The market history of this chain (chain id and genesis block: one devnet is not the next), loaded
 * from the store, and filling what it lacks — the dataset, then past blocks — started beside the ticks.
 */
export async function openMarketHistory(
  opts: { chainId: number; state: KeelConfig["state"]; rateWindowSeconds: number },
  deps: {
    store: KeelStore;
    /** Block headers and code, for the chain's identity and the backfill. */
    provider: {
      getBlock(tag: number | "latest"): Promise<{ number: number; timestamp: number; hash: string | null } | null>;
      getCode(address: string, block: number): Promise<string>;
    };
    vault: string;
    /** A market reader of its own over `queue` (the backfill's reads). */
    reader: (queue: PQueue) => Promise<ChainMarketReader>;
    logger: Logger;
    signal: AbortSignal;
  },
): Promise<{ history: PersistedHistory; fill: Promise<HistoryFillSummary>; historySeconds: number }> {
  const { provider } = deps;
  const historySeconds = opts.state.historyDays * 86_400;
  const genesis = await provider.getBlock(0);
  const history = deps.store.history({ chain: `${opts.chainId}:${genesis?.hash ?? "unknown"}`, historySeconds });
  deps.logger
    .child({ module: "history" })
    .info({ points: history.loaded, droppedOtherChain: history.dropped }, "market history loaded");
  const fill = fillHistory(
    {
      ...opts.state.backfill,
      historySeconds,
      periodSeconds: HISTORY_RESOLUTION_SECONDS,
      rateWindowSeconds: opts.rateWindowSeconds,
    },
    {
      history,
      reader: deps.reader,
      block: (tag) => provider.getBlock(tag),
      vaultExistsAt: async (n) => (await provider.getCode(deps.vault, n)) !== "0x",
      logger: deps.logger,
      signal: deps.signal,
    },
  );
  return { history, fill, historySeconds };
}
