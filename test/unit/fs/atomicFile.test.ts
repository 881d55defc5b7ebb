// Issue 14 finding 3: an "atomic" state write must never tear. A short write or a full disk is a
// coded, retryable error that leaves the previous content in place and no temp file behind.
import * as fs from "node:fs";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type FileIo, writeFileAtomic } from "../../../src/adapters/fs/atomicFile.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { mountSmallTmpfs } from "../../support/tmpfs.ts";

/** The real fs, with `writeSync` replaced: the n-th call (from 1) returns `short` bytes, later ones fail. */
function shortWriteIo(short: number, then: "ENOSPC" | "zero"): FileIo & { calls: string[] } {
  const calls: string[] = [];
  let writes = 0;
  return {
    ...fs,
    calls,
    writeSync: ((fd: number, buf: Uint8Array, off: number, len: number) => {
      writes++;
      calls.push(`write ${len}`);
      if (writes === 1) return fs.writeSync(fd, buf, off, Math.min(short, len));
      if (then === "zero") return 0;
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28 });
    }) as FileIo["writeSync"],
  };
}

function expectStateWriteFailed(fn: () => void): KeelError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal("STATE_WRITE_FAILED");
    expect((err as KeelError).retryable).to.equal(true);
    return err as KeelError;
  }
  expect.fail("the write should have failed");
}

describe("writeFileAtomic: no torn state writes", () => {
  const big = `${"x".repeat(33_514)}\n`; // the 33 515-byte state write of the report

  it("a short write followed by ENOSPC is a retryable STATE_WRITE_FAILED; the old content stays, no temp file", () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-atomic-"));
    const path = join(dir, "intents.json");
    writeFileSync(path, "old\n");
    const io = shortWriteIo(20_480, "ENOSPC");
    const err = expectStateWriteFailed(() => writeFileAtomic(path, big, io));
    expect(err.message).to.contain("ENOSPC");
    expect(readFileSync(path, "utf8")).to.equal("old\n");
    expect(readdirSync(dir)).to.deep.equal(["intents.json"]);
  });

  it("a write that makes no progress is an error, not an endless loop", () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-atomic-"));
    const path = join(dir, "state.json");
    expectStateWriteFailed(() => writeFileAtomic(path, big, shortWriteIo(100, "zero")));
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it("completes a write the kernel took in pieces, checking the length written", () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-atomic-"));
    const path = join(dir, "state.json");
    let writes = 0;
    const io: FileIo = {
      ...fs,
      writeSync: ((fd: number, buf: Uint8Array, off: number, len: number) => {
        writes++;
        return fs.writeSync(fd, buf, off, Math.min(len, 4096));
      }) as FileIo["writeSync"],
    };
    writeFileAtomic(path, big, io);
    expect(readFileSync(path, "utf8")).to.equal(big);
    expect(writes).to.equal(Math.ceil(Buffer.byteLength(big) / 4096));
  });

  it("fsyncs the file before the rename and the directory after it; a failed fsync is STATE_WRITE_FAILED", () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-atomic-"));
    const path = join(dir, "state.json");
    const order: string[] = [];
    const fds = new Map<number, string>();
    const io: FileIo = {
      ...fs,
      openSync: ((p: string, flags: string, mode?: number) => {
        const fd = fs.openSync(p, flags, mode);
        fds.set(fd, p === dir ? "dir" : "file");
        return fd;
      }) as FileIo["openSync"],
      fsyncSync: (fd: number) => {
        order.push(`fsync ${fds.get(fd)}`);
        fs.fsyncSync(fd);
      },
      renameSync: (a: fs.PathLike, b: fs.PathLike) => {
        order.push("rename");
        fs.renameSync(a, b);
      },
    };
    writeFileAtomic(path, "new\n", io);
    expect(order).to.deep.equal(["fsync file", "rename", "fsync dir"]);

    writeFileSync(path, "old\n");
    const eio: FileIo = {
      ...fs,
      fsyncSync: () => {
        throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
      },
    };
    expectStateWriteFailed(() => writeFileAtomic(path, "new\n", eio));
    expect(readFileSync(path, "utf8")).to.equal("old\n");
    expect(readdirSync(dir)).to.deep.equal(["state.json"]);
  });

  it("on a real full tmpfs, a 33 515-byte write with 20 KiB free fails as STATE_WRITE_FAILED and leaves the old file whole", function () {
    const fsys = mountSmallTmpfs(256);
    if (!fsys) {
      console.log("    (skipped: mounting a tmpfs needs root)");
      this.skip();
    }
    try {
      const path = join(fsys.dir, "intents.json");
      writeFileSync(path, "old\n");
      fsys.fill(20_480);
      expectStateWriteFailed(() => writeFileAtomic(path, big));
      expect(readFileSync(path, "utf8")).to.equal("old\n");
      expect(readdirSync(fsys.dir).sort()).to.deep.equal(["filler", "intents.json"]);
      fsys.free();
      writeFileAtomic(path, big);
      expect(readFileSync(path, "utf8")).to.equal(big);
    } finally {
      fsys.unmount();
    }
  });
});
