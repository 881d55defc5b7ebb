import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { KeelError } from "../../../src/domain/errors.ts";
import { acquireLock } from "../../../src/runtime/lock.ts";

describe("process lock", () => {
  it("refuses a second holder while the first is alive, with a clear non-retryable error", () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-lock-"));
    const first = acquireLock(dir);
    // Pretend another live process holds it: our parent is alive and is not us.
    writeFileSync(first.path, `${process.ppid}\n`);
    try {
      acquireLock(dir);
      expect.fail("second lock should be refused");
    } catch (err) {
      expect(err).to.be.instanceOf(KeelError);
      expect((err as KeelError).code).to.equal("STATE_LOCKED");
      expect((err as KeelError).retryable).to.equal(false);
      expect((err as Error).message).to.contain(`pid ${process.ppid}`);
    }
    first.release();
    expect(existsSync(first.path)).to.equal(false);
  });

  it("takes over a lock left by a dead process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-lock-"));
    const child = spawn(process.execPath, ["-e", ""]);
    const deadPid = child.pid as number;
    await new Promise((r) => child.on("exit", r));
    writeFileSync(join(dir, "keel.lock"), `${deadPid}\n`);
    const lock = acquireLock(dir);
    expect(readFileSync(lock.path, "utf8").trim()).to.equal(String(process.pid));
    lock.release();
  });
});
