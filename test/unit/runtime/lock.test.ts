// Issue 14 finding 2: the state-directory lock is a kernel lock held for the life of the process.
// From a stale lock (its holder SIGKILLed), many simultaneous starts give exactly one holder.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { expect } from "chai";
import { KeelError } from "../../../src/domain/errors.ts";
import { acquireLock } from "../../../src/runtime/lock.ts";

const CHILD = new URL("../../support/lock-child.ts", import.meta.url).pathname;

interface LockChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** The next line the child prints. */
  next(): Promise<string>;
}

function startChild(dir: string): LockChild {
  const child = spawn(process.execPath, [CHILD, dir], { stdio: ["pipe", "pipe", "pipe"] });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else queue.push(line);
  });
  return {
    child,
    next: () => {
      const line = queue.shift();
      return line === undefined ? new Promise((r) => waiting.push(r)) : Promise.resolve(line);
    },
  };
}

async function stop(c: LockChild, signal?: NodeJS.Signals): Promise<void> {
  const exited = new Promise((r) => c.child.once("exit", r));
  if (signal) c.child.kill(signal);
  else c.child.stdin.end();
  await exited;
}

/** A lock left behind by a holder that was SIGKILLed. */
async function staleLock(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "keel-lock-"));
  const holder = startChild(dir);
  expect(await holder.next()).to.equal("ready");
  holder.child.stdin.write("go\n");
  expect(await holder.next()).to.equal("held");
  await stop(holder, "SIGKILL");
  return dir;
}

describe("process lock (a kernel lock on the state directory)", function () {
  this.timeout(120_000);

  it("refuses a second holder while the first is alive, with a clear non-retryable error naming its pid", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-lock-"));
    const first = startChild(dir);
    expect(await first.next()).to.equal("ready");
    first.child.stdin.write("go\n");
    expect(await first.next()).to.equal("held");
    try {
      acquireLock(dir);
      expect.fail("second lock should be refused");
    } catch (err) {
      expect(err).to.be.instanceOf(KeelError);
      expect((err as KeelError).code).to.equal("STATE_LOCKED");
      expect((err as KeelError).retryable).to.equal(false);
      expect((err as Error).message).to.contain(`pid ${first.child.pid}`);
    } finally {
      await stop(first);
    }
    // Its holder gone, the lock is free again.
    acquireLock(dir).release();
  });

  it("a second acquire in the same process is refused too, and release frees the lock", () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-lock-"));
    const lock = acquireLock(dir);
    expect(() => acquireLock(dir)).to.throw(KeelError, /another keel/);
    lock.release();
    lock.release();
    acquireLock(dir).release();
  });

  it("is taken over when its holder was SIGKILLed", async () => {
    const lock = acquireLock(await staleLock());
    lock.release();
  });

  it("from a stale lock, 80 simultaneous starts (8 rounds of 10) give exactly one holder each round", async () => {
    for (let round = 0; round < 8; round++) {
      const dir = await staleLock();
      const children = Array.from({ length: 10 }, () => startChild(dir));
      try {
        for (const c of children) expect(await c.next()).to.equal("ready");
        for (const c of children) c.child.stdin.write("go\n");
        const results = await Promise.all(children.map((c) => c.next()));
        expect(
          results.filter((r) => r === "held"),
          `round ${round}: ${results.join(",")}`,
        ).to.have.length(1);
        expect(results.filter((r) => r === "locked STATE_LOCKED")).to.have.length(9);
      } finally {
        await Promise.all(children.map((c) => stop(c)));
      }
    }
  });
});
