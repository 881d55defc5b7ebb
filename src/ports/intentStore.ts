import type { IntentRecord, IntentState } from "../domain/intent.ts";

/** How the store was found on open: `fresh` = no file, `loaded`, or `corrupt` (moved aside). */
export type StoreOpenStatus = "fresh" | "loaded" | "corrupt";

/** A new intent as the execution core creates it (the store fills in state, txs and times). */
export type NewIntent = Omit<IntentRecord, "state" | "txs" | "createdAt" | "updatedAt">;

/**
 * The write-ahead intent store (a fsync'd file live; memory in tests and backtests). Every mutating
 * call resolves only once the record is held; a write that fails (full disk: `STATE_WRITE_FAILED`,
 * retryable) is undone in memory too and thrown, so no caller signs or sends on a record not held.
 */
export interface IntentStore {
  readonly path: string;
  readonly openStatus: StoreOpenStatus;
  /** Where a corrupt file was moved, when it was. */
  readonly quarantinedTo: string | undefined;
  get(id: string): IntentRecord | undefined;
  list(filter?: (r: IntentRecord) => boolean): IntentRecord[];
  /** Unfinished intents (not final/replaced/cancelled/failed). */
  unfinished(): IntentRecord[];
  /** Inserts a new intent in state `planned`; an existing id is returned unchanged (idempotent). */
  create(record: NewIntent): Promise<IntentRecord>;
  /** Writes the file now (so a fresh store exists on disk even before its first intent). */
  flush(): Promise<void>;
  /** Moves an intent to `to` with a patch; refuses edges the state machine does not allow. */
  transition(id: string, to: IntentState, patch?: Partial<Omit<IntentRecord, "id" | "state">>): Promise<IntentRecord>;
}
