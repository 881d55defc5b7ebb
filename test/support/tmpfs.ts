import { spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A small real tmpfs (a full disk on demand) for torn-write tests; needs root (mount). */
export interface SmallTmpfs {
  readonly dir: string;
  /** Fills the file system, then frees `leaveBytes` (rounded to pages by tmpfs) of the filler. */
  fill(leaveBytes: number): void;
  /** Deletes the filler. */
  free(): void;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `sizeKb` under the temp directory. Returns undefined where mounting is not
 * permitted (not root) outside CI, so the caller can skip with a notice; in CI (root) it must work.
 */
export function mountSmallTmpfs(sizeKb: number): SmallTmpfs | undefined {
  const dir = mkdtempSync(join(tmpdir(), "keel-tmpfs-"));
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k,mode=0700`, "tmpfs", dir], { encoding: "utf8" });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    if (process.env.CI) throw new Error(`cannot mount a tmpfs in CI: ${r.stderr || r.error?.message}`);
    return undefined;
  }
  const filler = join(dir, "filler");
  return {
    dir,
    fill(leaveBytes) {
      const fd = openSync(filler, "w");
      const chunk = Buffer.alloc(4096, 0x61);
      let size = 0;
      try {
        for (;;) {
          const n = writeSync(fd, chunk);
          size += n;
          if (n < chunk.length) break;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
      }
      ftruncateSync(fd, Math.max(0, size - leaveBytes));
      closeSync(fd);
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      spawnSync("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
