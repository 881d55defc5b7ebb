import PQueue from "p-queue";
import type { ChainProvider } from "../adapters/chain/provider.ts";
import { type ChainMarketReader, createChainMarketReader } from "../adapters/ethers/marketReader.ts";
import type { PersistedHistory } from "../adapters/store/historyTable.ts";
import type { KeelStore } from "../adapters/store/store.ts";
import type { KeelConfig } from "../config/schema.ts";
import type { Logger } from "../observability/logger.ts";
import type { ProtocolMonitorOptions } from "../pipeline/riskGate/protocolChange.ts";
import type { HistoryFillSummary } from "../runtime/historyFill.ts";
import type { Shutdown } from "../runtime/shutdown.ts";
import { openMarketHistory } from "../runtime/store.ts";
import { resolveMonitor } from "./monitor.ts";
import type { Target } from "./target.ts";

/** What the daemon reads the market with: the protocol pins, the live reader, and the stored history. */
export interface DaemonMarket {
  readonly monitor: ProtocolMonitorOptions;
  readonly market: ChainMarketReader;
  /** Market history: one point per source per hour, kept in the store. */
  readonly history: PersistedHistory;
  /** Filling the history the store lacked at start (runs beside the ticks). */
  readonly historyFill: Promise<HistoryFillSummary>;
}

/**
 * Opens the daemon's market reads over one bounded read queue: the protocol pins (captured on a devnet), the
 * market reader of the vault and its sources, and the market history, filled beside the ticks by a reader of its own.
 */
export async function openDaemonMarket(
  config: KeelConfig,
  target: Target,
  deps: { provider: ChainProvider; store: KeelStore; keeperAddress: string; logger: Logger; shutdown: Shutdown },
): Promise<DaemonMarket> {
  const { provider, logger, shutdown } = deps;
  const log = logger.child({ module: "app" });
  const chainId = config.chain.chainId;
  const queue = new PQueue({ concurrency: config.chain.readConcurrency, timeout: config.chain.requestTimeoutMs * 3 });
  const monitor = await resolveMonitor(
    config.monitor,
    { devnet: target.devnet !== undefined, allocator: target.allocator },
    { provider, q: (fn) => queue.add(fn, { throwOnTimeout: true }) },
  );
  log.info({ sources: monitor.sources.length, critical: monitor.critical }, "protocol pins loaded");
  const marketOptions = {
    chainId,
    vault: target.vault,
    keeper: deps.keeperAddress,
    oracles: target.oracles,
    nativeSymbol: target.nativeSymbol,
    rateWindowSeconds: 86_400,
    rateLookbackBlocks: 24,
    feeHistoryBlocks: 10,
  };
  const market = await createChainMarketReader({ ...marketOptions, monitor: monitor.sources }, { provider, queue });
  const { history, fill: historyFill } = await openMarketHistory(
    { chainId, state: config.state, rateWindowSeconds: marketOptions.rateWindowSeconds },
    {
      store: deps.store,
      provider,
      vault: target.vault,
      reader: (backfillQueue) => createChainMarketReader(marketOptions, { provider, queue: backfillQueue }),
      logger,
      signal: shutdown.signal,
    },
  );
  return { monitor, market, history, historyFill };
}
