import type { HistoryWindow, Snapshot } from "../domain/snapshot.ts";

/** Reads the current state of the vault and its sources (chain live; simulated market in backtests). */
export interface MarketReader {
  observe(signal: AbortSignal): Promise<Snapshot>;
}

/** Keeps what ingest saw, and answers history windows that never reach past `asOf`. */
export interface HistoryStore {
  record(snapshot: Snapshot): void;
  window(asOf: number, lookbackSeconds: number): HistoryWindow;
}
