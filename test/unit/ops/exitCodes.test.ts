// Issue 14 finding 9: exit 75 ("temporary, retry") was returned for deterministic failures, so
// systemd restarted keel in a loop. 1 is bad input or configuration, 2 usage, 75 only what may heal.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ExitCode, exitCodeFor, KeelError } from "../../../src/domain/errors.ts";
import { runKeel } from "../../support/daemon.ts";

const ROOT = new URL("../../..", import.meta.url).pathname;

describe("exit codes: 75 only for what may heal", function () {
  this.timeout(60_000);

  it("a programming error (the logger crash was a TypeError: stream.on is not a function) exits 1, not 75", () => {
    expect(exitCodeFor(new TypeError("stream.on is not a function"))).to.equal(ExitCode.badInput);
    expect(exitCodeFor(new RangeError("options.port should be >= 0 and < 65536"))).to.equal(ExitCode.badInput);
  });

  it("system errors: a refused or reset connection is temporary (75), a permission or missing file is not (1)", () => {
    const sys = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "EADDRINUSE", "ENOSPC"])
      expect(exitCodeFor(sys(code)), code).to.equal(ExitCode.tempFail);
    for (const code of ["EACCES", "EPERM", "EROFS", "ENOENT", "ENOTDIR", "EISDIR"])
      expect(exitCodeFor(sys(code)), code).to.equal(ExitCode.badInput);
    expect(exitCodeFor(new KeelError("X", "x", { retryable: true }))).to.equal(ExitCode.tempFail);
    expect(exitCodeFor(new KeelError("X", "x", { retryable: false }))).to.equal(ExitCode.badInput);
  });

  it("EACCES on the state directory's lock exits 1 (a non-root service user and a root-only directory)", function () {
    if (process.getuid?.() !== 0) {
      console.log("    (skipped: needs root to drop to another user)");
      this.skip();
    }
    const parent = mkdtempSync(join(tmpdir(), "keel-eacces-"));
    chmodSync(parent, 0o700);
    // Modules are loaded as root, then the process becomes an unprivileged user and takes the lock.
    const code = `
      const { acquireLock } = await import(${JSON.stringify(join(ROOT, "src/runtime/lock.ts"))});
      const { exitCodeFor } = await import(${JSON.stringify(join(ROOT, "src/domain/errors.ts"))});
      process.setgid(4242);
      process.setuid(4242);
      try {
        acquireLock(${JSON.stringify(join(parent, "state"))});
      } catch (err) {
        console.error(err.code, err.message);
        process.exit(exitCodeFor(err));
      }
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(ExitCode.badInput);
    expect(r.stderr).to.contain("EACCES");
  });

  it("devnet --port 70000 is a usage error (2)", async () => {
    const r = await runKeel(["devnet", "--port", "70000"]);
    expect(r.code, r.stderr).to.equal(ExitCode.usage);
    expect(r.stderr).to.contain("70000");
  });

  it("pause --rpc notaurl is a usage error (2), before anything is sent", async () => {
    const r = await runKeel(["pause", "--rpc", "notaurl"]);
    expect(r.code, r.stderr).to.equal(ExitCode.usage);
    expect(r.stderr).to.contain("notaurl");
  });
});
