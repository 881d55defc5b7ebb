import type { DatabaseSync } from "node:sqlite";
import type { DecisionRecord } from "../../domain/decision.ts";
import { KeelError } from "../../domain/errors.ts";
import type { Journal } from "../../ports/journal.ts";
import { isCorruption } from "./database.ts";

const DAY_MS = 86_400_000;
/** Retention runs at most this often (in the write path, so it needs no timer). */
const PRUNE_EVERY_MS = 3_600_000;

/** Decision records as stored: JSON, bigints as decimal strings. */
export function encodeRecord(r: DecisionRecord): string {
  return JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** Read-only queries over the decisions table (the daemon's journal and the CLI's reader share them). */
export function decisionQueries(db: DatabaseSync) {
  const byId = db.prepare("SELECT record FROM decisions WHERE id = ?");
  const latest = db.prepare("SELECT record FROM decisions ORDER BY started_at DESC, seq DESC LIMIT ?");
  const since = db.prepare("SELECT record FROM decisions WHERE started_at >= ? ORDER BY started_at, seq");
  const parse = (row: unknown) => JSON.parse((row as { record: string }).record) as DecisionRecord;
  return {
    get: (id: string): DecisionRecord | undefined => {
      const row = byId.get(id);
      return row ? parse(row) : undefined;
    },
    /** Most recent first. */
    recent: (limit: number): DecisionRecord[] => latest.all(limit).map(parse),
    /** Oldest first, from `fromMs` (startedAt) on. */
    since: (fromMs: number): DecisionRecord[] => since.all(fromMs).map(parse),
  };
}

/**
 * The decision journal in the store: one row per decision, keyed by id and indexed by start time.
 * `put` is one upsert in one WAL commit (synchronous=FULL: fsync'd before it returns), so an append
 * costs the same at 100 records as at 100 000. Records older than `retentionDays` are deleted at
 * open and then at most hourly.
 */
export function sqliteJournal(
  db: DatabaseSync,
  opts: { retentionDays: number; now: () => number; onWrite?: (seconds: number, ok: boolean) => void },
): Journal & { prune(): number } {
  const upsert = db.prepare(
    `INSERT INTO decisions (id, started_at, outcome, record) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, outcome = excluded.outcome, record = excluded.record`,
  );
  const remove = db.prepare("DELETE FROM decisions WHERE started_at < ?");
  const q = decisionQueries(db);
  let prunedAt = 0;

  const prune = (): number => {
    prunedAt = opts.now();
    return Number(remove.run(prunedAt - opts.retentionDays * DAY_MS).changes);
  };
  prune();

  return {
    prune,
    async put(record) {
      const t0 = performance.now();
      try {
        upsert.run(record.id, record.startedAt, record.outcome, encodeRecord(record));
      } catch (err) {
        opts.onWrite?.((performance.now() - t0) / 1000, false);
        const corrupt = isCorruption(err);
        throw new KeelError(
          corrupt ? "STORE_CORRUPT" : "JOURNAL_WRITE_FAILED",
          `could not write the decision journal: ${(err as Error).message}`,
          { retryable: !corrupt, cause: err },
        );
      }
      opts.onWrite?.((performance.now() - t0) / 1000, true);
      if (opts.now() - prunedAt >= PRUNE_EVERY_MS) {
        try {
          prune();
        } catch {
          // The record is durable; retention tries again in an hour (a failing disk fails the next put).
        }
      }
    },
    async get(id) {
      return q.get(id);
    },
    async recent(limit) {
      return q.recent(limit);
    },
    async close() {},
  };
}
