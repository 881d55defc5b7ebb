import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DecisionRecord } from "../domain/decision.ts";

const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.json$/;

/**
 * Reads the decision journal's day files (`YYYY-MM-DD.json`, `{ version, records }`) read-only, for
 * the CLI while the daemon may be running: never writes, never moves a file aside. Files that do not
 * parse are counted and skipped (the daemon quarantines them on its next read). Oldest first.
 */
export function readJournalDir(dir: string): { records: DecisionRecord[]; files: number; unreadable: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => DAY_FILE.test(f))
      .sort();
  } catch {
    return { records: [], files: 0, unreadable: [] };
  }
  const records: DecisionRecord[] = [];
  const unreadable: string[] = [];
  for (const name of names) {
    try {
      const doc = JSON.parse(readFileSync(join(dir, name), "utf8")) as { records?: unknown };
      if (!Array.isArray(doc.records)) throw new Error("wrong schema");
      records.push(...(doc.records as DecisionRecord[]));
    } catch {
      unreadable.push(name);
    }
  }
  records.sort((a, b) => a.startedAt - b.startedAt);
  return { records, files: names.length, unreadable };
}
