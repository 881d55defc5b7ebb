// Issue 14 finding 7: on a real terminal the quick start crashed ("stream.on is not a function",
// exit 75) because the pretty logger was handed something that is not a stream. These run keel as a
// person would, on a pseudo-terminal.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { tempStateDir } from "../support/daemon.ts";
import { runOnPty } from "../support/pty.ts";

describe("keel on a terminal (pseudo-terminal)", function () {
  this.timeout(240_000);

  it("the quick start, npm start, runs a tick and prints where to look, with readable log lines", async () => {
    const stateDir = tempStateDir("keel-pty-");
    const run = runOnPty("npm start --silent -- --ticks 1", { KEEL__STATE__DIR: stateDir, KEEL__HTTP__PORT: "0" });
    const code = await run.exited;
    expect(run.output()).to.not.contain("stream.on is not a function");
    expect(code, run.output()).to.equal(0);
    expect(run.output()).to.match(/keel: metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
    // pino-pretty's layout ("[time] INFO (module): message"), not JSON lines.
    expect(run.output()).to.match(/INFO.*starting/);
    expect(run.output()).to.not.match(/^\{"level"/m);
  });

  it("log.format: pretty in a config file works on a terminal", async () => {
    const stateDir = tempStateDir("keel-pty-");
    const config = join(stateDir, "..", `${stateDir.split("/").at(-1)}-pretty.yaml`);
    writeFileSync(config, `log:\n  format: pretty\nstate:\n  dir: ${stateDir}\nhttp:\n  port: 0\n`);
    const run = runOnPty(`node src/main.ts run --once --config ${config}`);
    expect(await run.exited, run.output()).to.equal(0);
    expect(run.output()).to.match(/INFO.*starting/);
  });

  it("keel devnet on a terminal serves the chain and stops cleanly on Ctrl-C", async () => {
    const stateDir = tempStateDir("keel-pty-devnet-");
    const run = runOnPty(`node src/main.ts devnet --port 0 --state-dir ${stateDir}`);
    await run.waitFor(/keel devnet: JSON-RPC at http:\/\/127\.0\.0\.1:\d+/);
    run.type("\x03");
    expect(await run.exited, run.output()).to.equal(0);
    expect(run.output()).to.not.contain("stream.on is not a function");
  });
});
