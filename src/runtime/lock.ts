import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { KeelError } from "../domain/errors.ts";

/** An exclusive lock on a state directory, held for the life of the process. */
export interface ProcessLock {
  readonly path: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes `<dir>/keel.lock` (O_EXCL, holding our pid) before any state is read. A lock left by a
 * dead process is taken over; a live holder makes this fail with a clear, non-retryable error.
 */
export function acquireLock(dir: string): ProcessLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "keel.lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number.parseInt(readFileSafe(path), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new KeelError(
          "STATE_LOCKED",
          `another keel (pid ${holder}) is running on state directory ${dir}; stop it first`,
          { retryable: false, context: { pid: holder } },
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new KeelError("STATE_LOCKED", `could not take the lock on ${dir}`, { retryable: true });
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
