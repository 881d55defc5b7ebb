import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { KeelError } from "../../domain/errors.ts";
import { writeFileAtomic } from "../fs/atomicFile.ts";

/** The store's file in the state directory (with `-wal` and `-shm` beside it while open). */
export const STORE_FILE = "keel.db";
/** Written once the store exists: its id. A marker without the store means the store was lost. */
export const MARKER_FILE = "keel.db.id";
const SCHEMA_VERSION = "1";

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE decisions (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  started_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX decisions_by_time ON decisions (started_at);
CREATE TABLE history (
  series TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  t INTEGER NOT NULL,
  point TEXT NOT NULL,
  PRIMARY KEY (series, bucket)
) WITHOUT ROWID;
CREATE INDEX history_by_bucket ON history (bucket);
`;

/** An open store. */
export interface StoreDatabase {
  readonly db: DatabaseSync;
  readonly path: string;
  readonly id: string;
  /** `created`: a new, empty store; `opened`: an existing one. */
  readonly status: "created" | "opened";
}

/** SQLite result codes that mean the file is damaged or not a database (SQLITE_CORRUPT, SQLITE_NOTADB). */
export function isCorruption(err: unknown): boolean {
  const code = (err as { errcode?: number } | null)?.errcode;
  return code !== undefined && [11, 26].includes(code & 0xff);
}

/** Runs `fn` in one transaction (one WAL commit, one fsync). */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const out = fn();
    db.exec("COMMIT");
    return out;
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
}

function readMarker(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { id?: unknown }).id?.toString() ?? "unknown";
  } catch {
    return "unreadable";
  }
}

/** Durability: WAL with synchronous=FULL — a commit is fsync'd to the WAL before it returns. */
function configure(db: DatabaseSync): void {
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
  // A large import or prune must not leave a WAL of that size behind after its checkpoint.
  db.exec("PRAGMA journal_size_limit = 67108864");
  // Checkpoints run after each tick (KeelStore.checkpoint), not inside the write-ahead append; this
  // is only the backstop (~40 MB of WAL) for a process that never calls it.
  db.exec("PRAGMA wal_autocheckpoint = 10000");
}

/** The meta table's contents; undefined when the file holds no keel schema at all. */
function readMeta(db: DatabaseSync): Record<string, string> | undefined {
  const hasMeta = db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return undefined;
  const rows = db.prepare("SELECT key, value FROM meta").all() as { key: string; value: string }[];
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

function lost(path: string, marker: string, why: string, aside?: string): KeelError {
  const moved = aside ? ` It was moved to ${aside}.` : "";
  return new KeelError(
    "STORE_UNAVAILABLE",
    `the journal store ${path} ${why}, but ${MARKER_FILE} (store ${marker}) shows this state directory had one.${moved} ` +
      `keel will not start with an empty journal and history: restore ${STORE_FILE} from a backup, or delete ${MARKER_FILE} to start a new store.`,
    { retryable: false, context: { path, store: marker, quarantined: aside ?? null } },
  );
}

/** Moves the store and its WAL aside as `keel.db.corrupt-<ms>` (SQLite can still open the copy with its WAL). */
function quarantine(path: string, now: number): string {
  const aside = `${path}.corrupt-${now}`;
  for (const suffix of ["-wal", "-shm", ""]) {
    if (existsSync(`${path}${suffix}`)) renameSync(`${path}${suffix}`, `${aside}${suffix}`);
  }
  return aside;
}

/**
 * Opens (or creates) the state directory's SQLite store. Fails closed with `STORE_UNAVAILABLE` (not
 * retryable) when the marker shows a store existed but it is missing, of another store, empty,
 * unreadable or damaged; a damaged file is moved aside first, never overwritten or started afresh.
 */
export function openStoreDatabase(opts: { dir: string; now: () => number }): StoreDatabase {
  mkdirSync(opts.dir, { recursive: true });
  const path = join(opts.dir, STORE_FILE);
  const markerPath = join(opts.dir, MARKER_FILE);
  const marker = readMarker(markerPath);
  if (marker !== undefined && !existsSync(path)) throw lost(path, marker, "is missing");

  let db: DatabaseSync | undefined;
  let meta: Record<string, string> | undefined;
  try {
    db = new DatabaseSync(path, { timeout: 5_000 });
    // Read before anything writes: even setting WAL mode would write a header into an emptied file.
    meta = readMeta(db);
    if (meta) {
      const check = db.prepare("PRAGMA quick_check(1)").get() as { quick_check?: string } | undefined;
      if (check?.quick_check !== "ok")
        throw Object.assign(new Error(`quick_check: ${check?.quick_check}`), { errcode: 11 });
    }
  } catch (err) {
    db?.close();
    if (!isCorruption(err)) {
      throw new KeelError("STORE_OPEN_FAILED", `cannot open the journal store ${path}: ${(err as Error).message}`, {
        retryable: true,
        cause: err,
      });
    }
    const aside = quarantine(path, opts.now());
    if (marker !== undefined) throw lost(path, marker, `is damaged (${(err as Error).message})`, aside);
    throw new KeelError(
      "STORE_UNAVAILABLE",
      `the journal store ${path} is damaged (${(err as Error).message}); it was moved to ${aside}. Restore it from a backup, or start again to create a new store.`,
      { retryable: false, context: { path, quarantined: aside } },
    );
  }

  if (meta === undefined) {
    if (marker !== undefined) {
      db.close();
      throw lost(path, marker, "holds no keel data (empty or replaced)", quarantine(path, opts.now()));
    }
    if (db.prepare("SELECT 1 AS x FROM sqlite_master").get()) {
      db.close();
      throw new KeelError("STORE_UNAVAILABLE", `${path} is a database of something else, not a keel store`, {
        retryable: false,
        context: { path },
      });
    }
    const id = randomBytes(8).toString("hex");
    configure(db);
    inTransaction(db, () => {
      db.exec(SCHEMA);
      const put = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
      put.run("schema", SCHEMA_VERSION);
      put.run("id", id);
      put.run("createdAt", new Date(opts.now()).toISOString());
    });
    writeFileAtomic(markerPath, `${JSON.stringify({ id, createdAt: new Date(opts.now()).toISOString() })}\n`);
    return { db, path, id, status: "created" };
  }
  configure(db);
  const id = meta.id ?? "unknown";
  if (meta.schema !== SCHEMA_VERSION) {
    db.close();
    throw new KeelError(
      "STORE_UNAVAILABLE",
      `the journal store ${path} has schema ${meta.schema}; this keel reads ${SCHEMA_VERSION}`,
      {
        retryable: false,
      },
    );
  }
  if (marker !== undefined && marker !== "unreadable" && marker !== id) {
    db.close();
    throw lost(path, marker, `is another store (${id})`);
  }
  if (marker === undefined || marker === "unreadable")
    writeFileAtomic(markerPath, `${JSON.stringify({ id, createdAt: meta.createdAt })}\n`);
  return { db, path, id, status: "opened" };
}
