import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Low } from "lowdb";
import type { DecisionRecord } from "../../domain/decision.ts";
import { KeelError } from "../../domain/errors.ts";
import type { Journal } from "../../ports/journal.ts";
import { AtomicJsonFile } from "../fs/atomicFile.ts";

interface DayFile {
  version: 1;
  records: DecisionRecord[];
}

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.json$/;

/**
 * The decision journal: one lowdb JSON file per UTC day under `dir`, each write atomic and fsync'd,
 * files older than `retentionDays` deleted. A day file that does not parse is moved aside
 * (`*.corrupt-<ts>`) and reported, never silently overwritten.
 */
export async function openJournal(opts: {
  dir: string;
  retentionDays: number;
  now: () => number;
}): Promise<Journal & { quarantined: string[] }> {
  mkdirSync(opts.dir, { recursive: true });
  const dbs = new Map<string, Low<DayFile>>();
  const quarantined: string[] = [];

  async function dayDb(day: string): Promise<Low<DayFile>> {
    let db = dbs.get(day);
    if (db) return db;
    const path = join(opts.dir, `${day}.json`);
    db = new Low<DayFile>(new AtomicJsonFile<DayFile>(path), { version: 1, records: [] });
    try {
      await db.read();
      if (!Array.isArray(db.data?.records)) throw new Error("wrong schema");
    } catch {
      const aside = `${path}.corrupt-${opts.now()}`;
      renameSync(path, aside);
      quarantined.push(aside);
      db.data = { version: 1, records: [] };
    }
    dbs.set(day, db);
    return db;
  }

  const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  function days(): string[] {
    return readdirSync(opts.dir)
      .map((f) => DAY_FILE.exec(f)?.[1])
      .filter((d): d is string => d !== undefined)
      .sort()
      .reverse();
  }

  function prune(): void {
    const cutoff = dayOf(opts.now() - opts.retentionDays * 86_400_000);
    for (const d of days()) {
      if (d < cutoff) {
        rmSync(join(opts.dir, `${d}.json`), { force: true });
        dbs.delete(d);
      }
    }
  }
  prune();

  return {
    quarantined,
    async put(record) {
      const day = dayOf(record.startedAt);
      const db = await dayDb(day);
      const i = db.data.records.findIndex((r) => r.id === record.id);
      if (i >= 0) db.data.records[i] = record;
      else db.data.records.push(record);
      try {
        await db.write();
      } catch (err) {
        throw new KeelError("JOURNAL_WRITE_FAILED", "could not write the decision journal", {
          retryable: true,
          cause: err,
        });
      }
      if (dbs.size > 3) {
        for (const d of [...dbs.keys()].sort().slice(0, dbs.size - 3)) dbs.delete(d);
        prune();
      }
    },
    async get(id) {
      for (const d of days()) {
        const found = (await dayDb(d)).data.records.find((r) => r.id === id);
        if (found) return found;
      }
      return undefined;
    },
    async recent(limit) {
      const out: DecisionRecord[] = [];
      for (const d of days()) {
        const recs = (await dayDb(d)).data.records;
        for (let i = recs.length - 1; i >= 0 && out.length < limit; i--) out.push(recs[i] as DecisionRecord);
        if (out.length >= limit) break;
      }
      return out;
    },
    async close() {
      dbs.clear();
    },
  };
}

/** An in-memory journal (tests, backtests). */
export function memoryJournal(): Journal {
  const records = new Map<string, DecisionRecord>();
  return {
    async put(r) {
      records.set(r.id, r);
    },
    async get(id) {
      return records.get(id);
    },
    async recent(limit) {
      return [...records.values()].reverse().slice(0, limit);
    },
    async close() {},
  };
}
