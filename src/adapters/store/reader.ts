import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { DecisionRecord } from "../../domain/decision.ts";
import { STORE_FILE } from "./database.ts";
import { decisionQueries } from "./journalTable.ts";
import { readLegacyJournal } from "./legacyJournal.ts";
import { LEGACY_JOURNAL_DIR } from "./store.ts";

/** The journal of a state directory as the CLI reads it, while the daemon may be running. */
export interface JournalReader {
  /** The store file. */
  readonly path: string;
  /** True when there is a journal here at all (the store, or day files of an earlier version). */
  readonly present: boolean;
  /** What could not be read (the store, day files), with why. */
  readonly unreadable: string[];
  get(id: string): DecisionRecord | undefined;
  /** Most recent first. */
  recent(limit: number): DecisionRecord[];
  /** Every decision from `fromMs` (startedAt) on, oldest first. */
  since(fromMs: number): DecisionRecord[];
  close(): void;
}

/**
 * Opens the state directory's journal read-only: the store (`keel.db`, WAL readers never block the
 * daemon's writer) plus any day files of an earlier version not imported yet. Never writes, never
 * moves a file; a store that cannot be read is reported in `unreadable`, not repaired.
 */
export function openJournalReader(stateDir: string): JournalReader {
  const path = join(stateDir, STORE_FILE);
  const unreadable: string[] = [];
  let db: DatabaseSync | undefined;
  let q: ReturnType<typeof decisionQueries> | undefined;
  if (existsSync(path)) {
    try {
      db = new DatabaseSync(path, { readOnly: true, timeout: 5_000 });
      q = decisionQueries(db);
    } catch (err) {
      db?.close();
      db = undefined;
      unreadable.push(`${STORE_FILE} (${(err as Error).message})`);
    }
  }
  const legacy = readLegacyJournal(join(stateDir, LEGACY_JOURNAL_DIR));
  unreadable.push(...legacy.unreadable);
  const fromStore = <T>(read: (qq: ReturnType<typeof decisionQueries>) => T, orElse: T): T => {
    if (!q) return orElse;
    try {
      return read(q);
    } catch (err) {
      unreadable.push(`${STORE_FILE} (${(err as Error).message})`);
      return orElse;
    }
  };
  const byTime = (a: DecisionRecord, b: DecisionRecord) => a.startedAt - b.startedAt;
  const merged = (records: DecisionRecord[]) => {
    const seen = new Set(records.map((r) => r.id));
    return [...records, ...legacy.records.filter((r) => !seen.has(r.id))];
  };
  return {
    path,
    present: db !== undefined || legacy.files > 0 || existsSync(path),
    unreadable,
    get: (id) => fromStore((qq) => qq.get(id), undefined) ?? legacy.records.find((r) => r.id === id),
    recent: (limit) => {
      const latest = fromStore((qq) => qq.recent(limit), []);
      if (legacy.records.length === 0) return latest;
      return merged(latest).sort(byTime).reverse().slice(0, limit);
    },
    since: (fromMs) =>
      merged(fromStore((qq) => qq.since(fromMs), []))
        .filter((r) => r.startedAt >= fromMs)
        .sort(byTime),
    close: () => db?.close(),
  };
}
