import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { isTemporary, KeelError } from "../domain/errors.ts";

/** An exclusive lock on a state directory, held for the life of the process. */
export interface ProcessLock {
  readonly path: string;
  release(): void;
}

/** The lock file: never deleted (deleting a lock file lets a second process lock a new inode). */
const LOCK_FILE = "keel.lock.db";
/** The holder's pid, for the message a refused start prints; informative only, never trusted. */
const PID_FILE = "keel.pid";

/** SQLite's "database is locked" / "busy" result codes. */
const BUSY = new Set([5, 6]);

function holderPid(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, PID_FILE), "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SQLite results that an unwritable or unusable directory gives: READONLY, CANTOPEN, AUTH, NOTADB. */
const SQLITE_PERMANENT = new Set([8, 14, 23, 26]);

function openFailed(dir: string, err: unknown): KeelError {
  const e = err as NodeJS.ErrnoException & { errcode?: number };
  const sqlite = e.code === "ERR_SQLITE_ERROR";
  const code = sqlite ? `sqlite ${e.errcode ?? "?"}` : (e.code ?? "error");
  // Permissions and read-only file systems do not heal by restarting: exit 1, not a restart loop.
  const retryable = sqlite ? !SQLITE_PERMANENT.has(e.errcode ?? -1) : isTemporary(err);
  return new KeelError("STATE_LOCK_FAILED", `cannot take the lock on state directory ${dir}: ${code}`, {
    retryable,
    context: { dir, error: code },
  });
}

/**
 * Takes the state directory's lock before any state is read: an exclusive SQLite lock (a kernel
 * `fcntl` record lock, through Node's built-in `node:sqlite`) on `<dir>/keel.lock.db`, held until
 * `release()` or the end of the process. The kernel drops it when the process dies, however it
 * dies, so there is no stale lock to judge and no window in which two starts both hold it. A live
 * holder makes this fail with a clear, non-retryable `STATE_LOCKED`.
 */
export function acquireLock(dir: string): ProcessLock {
  let db: DatabaseSync;
  try {
    mkdirSync(dir, { recursive: true });
    db = new DatabaseSync(join(dir, LOCK_FILE), { timeout: 0 });
  } catch (err) {
    throw openFailed(dir, err);
  }
  try {
    db.exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;");
  } catch (err) {
    db.close();
    if (!BUSY.has((err as { errcode?: number }).errcode ?? -1)) throw openFailed(dir, err);
    const pid = holderPid(dir);
    throw new KeelError(
      "STATE_LOCKED",
      `another keel${pid === undefined ? "" : ` (pid ${pid})`} is running on state directory ${dir}; stop it first`,
      { retryable: false, context: { pid: pid ?? null } },
    );
  }
  writeFileSync(join(dir, PID_FILE), `${process.pid}\n`, { mode: 0o600 });
  let released = false;
  return {
    path: join(dir, LOCK_FILE),
    release() {
      if (released) return;
      released = true;
      rmSync(join(dir, PID_FILE), { force: true });
      db.close();
    },
  };
}
