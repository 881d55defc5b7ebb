import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { acquireLock } from "../../src/runtime/lock.ts";
import { readJournal, runKeel, startDaemon, storeIntegrity, tempStateDir } from "../support/daemon.ts";

function configFile(text: string): string {
  const path = join(tempStateDir("keel-cfg-"), "keel.yaml");
  writeFileSync(path, text);
  return path;
}

describe("keel process behaviour", function () {
  this.timeout(120_000);

  describe("bad configuration exits 1 and names the field", () => {
    for (const [what, yaml, field] of [
      ["an unknown key", "strategy:\n  horizonDayz: 7\n", "strategy"],
      ["a bad address", "contracts:\n  vault: '0x12345'\n", "contracts.vault"],
      ["a negative bound", "strategy:\n  cooldownSeconds: -5\n", "strategy.cooldownSeconds"],
    ] as const) {
      it(`${what}: keel run and keel config check`, async () => {
        const file = configFile(yaml);
        const run = await runKeel(["run", "--config", file], { KEEL__STATE__DIR: tempStateDir() });
        expect(run.code).to.equal(1);
        expect(run.stderr).to.contain(field);
        const check = await runKeel(["config", "check", file]);
        expect(check.code).to.equal(1);
        expect(check.stderr).to.contain(`${field}:`);
      });
    }

    it("a wrong chain id (devnet is 31337): exit 1 naming chain.chainId", async () => {
      const run = await runKeel(["run", "--once", "--config", configFile("chain:\n  chainId: 1\n")], {
        KEEL__STATE__DIR: tempStateDir(),
        KEEL__HTTP__PORT: "0",
      });
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain("chain.chainId");
    });

    it("a good file passes keel config check with exit 0", async () => {
      const check = await runKeel(["config", "check", configFile("strategy:\n  horizonDays: 14\n")]);
      expect(check.code, check.stderr).to.equal(0);
      expect(check.stdout).to.match(/ok \(hash [0-9a-f]{16}/);
    });
  });

  it("usage errors exit 2 and --help exits 0", async () => {
    expect((await runKeel(["run", "--bogus"])).code).to.equal(2);
    expect((await runKeel(["frobnicate"])).code).to.equal(2);
    const help = await runKeel(["--help"]);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain("backtest");
  });

  it("a second daemon on the same state directory exits non-zero with a clear message", async () => {
    const first = await startDaemon();
    try {
      const second = await runKeel(["run"], { KEEL__STATE__DIR: first.stateDir, KEEL__HTTP__PORT: "0" });
      expect(second.code).to.equal(1);
      expect(second.stderr).to.match(/another keel \(pid \d+\) is running on state directory/);
    } finally {
      expect(await first.stop()).to.equal(0);
    }
  });

  it("SIGHUP (a reload) keeps the daemon running, re-reads the config and says whether a restart is needed", async () => {
    const config = configFile("strategy:\n  horizonDays: 7\n");
    const d = await startDaemon({ args: ["--config", config] });
    try {
      writeFileSync(config, "strategy:\n  horizonDays: 14\n");
      d.child.kill("SIGHUP");
      await d.waitFor("the reload log line", () => /config changed on disk/.test(d.stderr()));
      writeFileSync(config, "strategy:\n  horizonDayz: 14\n");
      d.child.kill("SIGHUP");
      await d.waitFor("the invalid-config log line", () => /config on disk is invalid/.test(d.stderr()));
      expect(d.child.exitCode).to.equal(null);
      expect((await fetch(`${d.runtime.httpUrl}/healthz`)).status).to.equal(200);
    } finally {
      expect(await d.stop("SIGTERM")).to.equal(0);
    }
  });

  it("explain with a malformed id against a running daemon exits 1 (not 75); status reads that daemon", async () => {
    const d = await startDaemon();
    try {
      const env = { KEEL__STATE__DIR: d.stateDir };
      const bad = await runKeel(["explain", "not a decision id!"], env);
      expect(bad.code, bad.stderr).to.equal(1);
      expect(bad.stderr).to.contain("DECISION_NOT_FOUND");
      const status = await runKeel(["status", "--json"], env);
      expect(status.code, status.stderr).to.equal(0);
      expect((JSON.parse(status.stdout) as { daemon: string }).daemon).to.equal("running");
    } finally {
      expect(await d.stop()).to.equal(0);
    }
  });

  it("SIGTERM in the middle of a tick exits 0 with the journal intact", async () => {
    const stateDir = tempStateDir();
    const marker = join(stateDir, "failpoint.marker");
    const d = await startDaemon({ stateDir, env: { KEEL_FAILPOINT: "stage:optimize", KEEL_FAILPOINT_MARKER: marker } });
    await d.waitFor("the tick to reach optimize", () => existsSync(marker));
    expect(await d.stop("SIGTERM")).to.equal(0);
    expect(storeIntegrity(stateDir)).to.equal("ok");
    const records = readJournal(stateDir);
    expect(records.length).to.be.greaterThan(0);
    // The interrupted tick is on record as failed at optimize; nothing reached execute.
    const last = records.at(-1)!;
    expect(last.outcome).to.equal("failed");
    expect(last.stages.at(-1)?.stage).to.equal("optimize");
    expect(records.some((r) => r.stages.some((s) => s.stage === "execute"))).to.equal(false);
    // The kernel lock went with the process: the state directory can be locked again.
    expect(existsSync(join(stateDir, "keel.pid"))).to.equal(false);
    acquireLock(stateDir).release();
  });
});
