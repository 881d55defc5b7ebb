import { join } from "node:path";
import type { Journal } from "../../ports/journal.ts";
import type { SkillLedgerStore } from "../../ports/skillLedger.ts";
import { openStoreDatabase } from "./database.ts";
import { type PersistedHistory, persistedHistory } from "./historyTable.ts";
import { sqliteJournal } from "./journalTable.ts";
import { importLegacyJournal } from "./legacyJournal.ts";
import { sqliteSkillStore } from "./skillTable.ts";

/** Where the journal's day files of earlier versions live (imported once into the store). */
export const LEGACY_JOURNAL_DIR = "journal";

/** The daemon's durable store: decision journal and market history in one SQLite file (WAL). */
export interface KeelStore {
  readonly path: string;
  /** `created`: a new store; `opened`: an existing one. */
  readonly status: "created" | "opened";
  readonly journal: Journal;
  /** Day files of an earlier version imported at this open (and ones that did not parse, moved aside). */
  readonly legacy: { readonly files: string[]; readonly records: number; readonly quarantined: string[] };
  /** The market history of `chain` (chain id and genesis hash), loaded from the store. */
  history(opts: { chain: string; historySeconds: number }): PersistedHistory;
  /** The forecast skill ledger's entries (the predict stage's port). */
  skillLedger(): SkillLedgerStore;
  /**
   * Copies the WAL's committed pages into keel.db (a passive checkpoint: never waits for readers).
   * The daemon runs it after each tick, so the write-ahead append before a send never pays for it.
   */
  checkpoint(): { walFrames: number; checkpointed: number };
  close(): void;
}

/**
 * Opens `<dir>/keel.db` (failing closed when a store that existed is missing or damaged, see
 * `openStoreDatabase`), imports the journal day files of earlier versions, and prunes records older
 * than `retentionDays`.
 */
export function openStore(opts: {
  dir: string;
  retentionDays: number;
  now: () => number;
  /** Called after every journal write with its duration (metrics). */
  onJournalWrite?: (seconds: number, ok: boolean) => void;
}): KeelStore {
  const { db, path, status } = openStoreDatabase({ dir: opts.dir, now: opts.now });
  try {
    const legacy = importLegacyJournal(db, join(opts.dir, LEGACY_JOURNAL_DIR), opts);
    const journal = sqliteJournal(db, {
      retentionDays: opts.retentionDays,
      now: opts.now,
      ...(opts.onJournalWrite ? { onWrite: opts.onJournalWrite } : {}),
    });
    return {
      path,
      status,
      journal,
      legacy,
      history: (h) => persistedHistory(db, h),
      skillLedger: () => sqliteSkillStore(db),
      checkpoint: () => {
        if (!db.isOpen) return { walFrames: 0, checkpointed: 0 };
        const r = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get() as { log: number; checkpointed: number };
        return { walFrames: r.log, checkpointed: r.checkpointed };
      },
      close: () => {
        if (db.isOpen) db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
