import type { DatabaseSync } from "node:sqlite";
import { KeelError } from "../../domain/errors.ts";
import type { Snapshot } from "../../domain/snapshot.ts";
import { type HistoryEntry, type MemoryHistory, memoryHistoryStore } from "../memory/historyStore.ts";
import { inTransaction } from "./database.ts";

/** One point per series per this many seconds (the newest of each hour). */
export const HISTORY_RESOLUTION_SECONDS = 3_600;

/** The market history, persisted: what the stages read, and what backfill adds. */
export interface PersistedHistory extends MemoryHistory {
  /** Adds many points in one transaction; returns how many were new. */
  addAll(entries: readonly HistoryEntry[]): number;
  /** Points loaded from the store at open. */
  readonly loaded: number;
  /** Points of another chain deleted at open. */
  readonly dropped: number;
}

const seriesName = (e: HistoryEntry) => `${e.kind}:${e.key}`;

function entryOf(series: string, point: string): HistoryEntry | undefined {
  const i = series.indexOf(":");
  const kind = series.slice(0, i);
  const key = series.slice(i + 1);
  const p = JSON.parse(point);
  if (kind === "source") return { kind, key, point: p };
  if (kind === "price") return { kind, key, point: p };
  if (kind === "vault" && key === "sharePrice") return { kind, key, point: p };
  return undefined;
}

/**
 * Market history in the store, served from memory: loaded at open (the last `historySeconds`),
 * every new point written through (upsert per series and hour). Points older than `historySeconds`
 * are deleted at open and hourly after. The history belongs to one `chain` (chain id and genesis
 * hash): history of another chain says nothing about this one and is deleted at open.
 */
export function persistedHistory(db: DatabaseSync, opts: { historySeconds: number; chain: string }): PersistedHistory {
  const period = HISTORY_RESOLUTION_SECONDS;
  const memory = memoryHistoryStore({
    maxPointsPerSeries: Math.ceil(opts.historySeconds / period),
    resolutionSeconds: period,
  });
  const upsert = db.prepare(
    `INSERT INTO history (series, bucket, t, point) VALUES (?, ?, ?, ?)
     ON CONFLICT (series, bucket) DO UPDATE SET t = excluded.t, point = excluded.point WHERE excluded.t > history.t`,
  );
  const remove = db.prepare("DELETE FROM history WHERE bucket < ?");
  const getMeta = db.prepare("SELECT value FROM meta WHERE key = 'history.chain'");
  const setMeta = db.prepare(
    "INSERT INTO meta (key, value) VALUES ('history.chain', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  const bound = (getMeta.get() as { value: string } | undefined)?.value;
  let dropped = 0;
  if (bound !== opts.chain) {
    inTransaction(db, () => {
      if (bound !== undefined) dropped = Number(db.prepare("DELETE FROM history").run().changes);
      setMeta.run(opts.chain);
    });
  }
  // Retention runs on the chain's timeline (a devnet replay runs years in the past): keep
  // `historySeconds` behind the newest point, pruning once per new hour.
  const keepBuckets = Math.ceil(opts.historySeconds / period);
  const newestRow = db.prepare("SELECT max(bucket) AS b FROM history").get() as { b: number | null };
  let newest = newestRow.b ?? 0;
  let prunedFor = -1;
  const prune = () => {
    prunedFor = newest;
    remove.run(newest - keepBuckets);
  };

  prune();
  let loaded = 0;
  for (const row of db.prepare("SELECT series, point FROM history ORDER BY bucket").iterate()) {
    const r = row as { series: string; point: string };
    const e = entryOf(r.series, r.point);
    if (e && memory.add(e)) loaded++;
  }

  const write = (entries: readonly HistoryEntry[]): number => {
    const accepted = entries.filter((e) => memory.add(e));
    if (accepted.length === 0) return 0;
    try {
      inTransaction(db, () => {
        for (const e of accepted)
          upsert.run(seriesName(e), Math.floor(e.point.t / period), e.point.t, JSON.stringify(e.point));
      });
    } catch (err) {
      throw new KeelError("HISTORY_WRITE_FAILED", `could not write market history: ${(err as Error).message}`, {
        retryable: true,
        cause: err,
      });
    }
    for (const e of accepted) newest = Math.max(newest, Math.floor(e.point.t / period));
    if (newest > prunedFor) prune();
    return accepted.length;
  };

  return {
    ...memory,
    add: (e) => write([e]) > 0,
    addAll: write,
    record(s: Snapshot) {
      write(memory.entriesOf(s));
    },
    loaded,
    dropped,
  };
}
