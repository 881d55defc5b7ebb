import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type { DecisionRecord } from "../../domain/decision.ts";
import { inTransaction } from "./database.ts";
import { encodeRecord } from "./journalTable.ts";

/** Day files of the journal before the store (keel ≤ 0.1: one lowdb JSON file per UTC day). */
const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.json$/;
/** Where imported day files are kept (until retention deletes them). */
export const IMPORTED_DIR = "imported";

/** Day file names in `dir`, oldest first. */
function dayFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => DAY_FILE.test(f))
      .sort();
  } catch {
    return [];
  }
}

function parseDayFile(path: string): DecisionRecord[] {
  const doc = JSON.parse(readFileSync(path, "utf8")) as { records?: unknown };
  if (!Array.isArray(doc.records)) throw new Error("wrong schema");
  return doc.records as DecisionRecord[];
}

/**
 * Reads the day files not imported yet, read-only (the CLI, before the daemon has run once on this
 * version): files that do not parse are listed in `unreadable`. Oldest first.
 */
export function readLegacyJournal(dir: string): { records: DecisionRecord[]; files: number; unreadable: string[] } {
  const names = dayFiles(dir);
  const records: DecisionRecord[] = [];
  const unreadable: string[] = [];
  for (const name of names) {
    try {
      records.push(...parseDayFile(join(dir, name)));
    } catch {
      unreadable.push(name);
    }
  }
  return { records, files: names.length, unreadable };
}

/**
 * Imports the journal's day files into the store once: each file's records in one transaction
 * (a record the store already has is kept), then the file moves to `imported/`. A file that does not
 * parse is moved aside (`*.corrupt-<ms>`) and reported, never dropped. Imported files older than the
 * retention are deleted.
 */
export function importLegacyJournal(
  db: DatabaseSync,
  dir: string,
  opts: { retentionDays: number; now: () => number },
): { files: string[]; records: number; quarantined: string[] } {
  const out = { files: [] as string[], records: 0, quarantined: [] as string[] };
  const names = dayFiles(dir);
  if (names.length > 0) mkdirSync(join(dir, IMPORTED_DIR), { recursive: true });
  const insert = db.prepare(
    "INSERT INTO decisions (id, started_at, outcome, record) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
  );
  for (const name of names) {
    const path = join(dir, name);
    let records: DecisionRecord[];
    try {
      records = parseDayFile(path);
    } catch {
      const aside = `${path}.corrupt-${opts.now()}`;
      renameSync(path, aside);
      out.quarantined.push(aside);
      continue;
    }
    inTransaction(db, () => {
      for (const r of records) insert.run(r.id, r.startedAt, r.outcome, encodeRecord(r));
    });
    renameSync(path, join(dir, IMPORTED_DIR, name));
    out.files.push(name);
    out.records += records.length;
  }
  const cutoff = new Date(opts.now() - opts.retentionDays * 86_400_000).toISOString().slice(0, 10);
  const imported = join(dir, IMPORTED_DIR);
  if (existsSync(imported)) {
    for (const name of dayFiles(imported))
      if (name.slice(0, 10) < cutoff) rmSync(join(imported, name), { force: true });
  }
  return out;
}
