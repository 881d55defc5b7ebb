// Issue 14 finding 1: a forgotten flag (an empty config, `rpcUrls: []`, Docker's default command)
// put keel on its embedded devnet, which deleted `intents.json` and `proposals/` in whatever state
// directory it was given. Nothing outside a state directory keel itself marked as a devnet's is
// ever deleted; a directory that has held a live chain refuses devnet mode (and the reverse);
// `config check` rejects a config that would fall back to the devnet while naming live contracts or keys.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { runKeel, tempStateDir } from "../support/daemon.ts";
import { keeperKey, liveConfig, startExternalDevnet } from "../support/externalDevnet.ts";

const INTENTS = `${JSON.stringify({ version: 1, intents: [{ id: "live-intent", state: "sent" }] })}\n`;

/** A state directory as a live keel (of a version before the marker) leaves it. */
function liveLookingStateDir(): string {
  const dir = tempStateDir("keel-live-state-");
  writeFileSync(join(dir, "intents.json"), INTENTS);
  mkdirSync(join(dir, "proposals"));
  writeFileSync(join(dir, "proposals", "0xabc.json"), "{}\n");
  return dir;
}

function expectUntouched(dir: string): void {
  expect(readFileSync(join(dir, "intents.json"), "utf8")).to.equal(INTENTS);
  expect(readFileSync(join(dir, "proposals", "0xabc.json"), "utf8")).to.equal("{}\n");
}

describe("state directories: devnet mode deletes nothing it does not own", function () {
  this.timeout(240_000);

  it("devnet mode (no config) on a state directory keel did not mark as a devnet's exits 1 and deletes nothing", async () => {
    const dir = liveLookingStateDir();
    const r = await runKeel(["run", "--once"], { KEEL__STATE__DIR: dir, KEEL__HTTP__PORT: "0" });
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.contain(dir).and.contain("devnet");
    expectUntouched(dir);
  });

  it("an empty config file and rpcUrls: [] are devnet mode too: same refusal, nothing deleted", async () => {
    for (const text of ["", "chain:\n  rpcUrls: []\n"]) {
      const dir = liveLookingStateDir();
      const config = join(tempStateDir("keel-cfg-"), "keel.yaml");
      writeFileSync(config, text);
      const r = await runKeel(["run", "--once", "--config", config], { KEEL__STATE__DIR: dir, KEEL__HTTP__PORT: "0" });
      expect(r.code, r.stderr).to.equal(1);
      expectUntouched(dir);
    }
  });

  it("a state directory that has held a live chain refuses devnet mode; a devnet's refuses a live start", async () => {
    const devnet = await startExternalDevnet();
    try {
      const dir = tempStateDir("keel-live-");
      const config = liveConfig(tempStateDir("keel-cfg-"), devnet);
      const env = { KEEL_TEST_RPC: devnet.rpcUrl, KEEL_TEST_KEEPER_KEY: keeperKey, KEEL__HTTP__PORT: "0" };
      const live = await runKeel(["run", "--once", "--dry-run", "--config", config], { ...env, KEEL__STATE__DIR: dir });
      expect(live.code, live.stderr).to.equal(0);
      const intents = readFileSync(join(dir, "intents.json"), "utf8");

      const asDevnet = await runKeel(["run", "--once"], { KEEL__STATE__DIR: dir, KEEL__HTTP__PORT: "0" });
      expect(asDevnet.code, asDevnet.stderr).to.equal(1);
      expect(asDevnet.stderr).to.match(/live chain \(chain id 31337\)/);
      expect(readFileSync(join(dir, "intents.json"), "utf8")).to.equal(intents);

      // The other way round: a devnet's directory (its intents refer to a chain that is gone) is no live state.
      const devnetDir = tempStateDir("keel-devnet-state-");
      const first = await runKeel(["run", "--once"], { KEEL__STATE__DIR: devnetDir, KEEL__HTTP__PORT: "0" });
      expect(first.code, first.stderr).to.equal(0);
      const again = await runKeel(["run", "--once"], { KEEL__STATE__DIR: devnetDir, KEEL__HTTP__PORT: "0" });
      expect(again.code, again.stderr).to.equal(0);
      const asLive = await runKeel(["run", "--once", "--dry-run", "--config", config], {
        ...env,
        KEEL__STATE__DIR: devnetDir,
      });
      expect(asLive.code, asLive.stderr).to.equal(1);
      expect(asLive.stderr).to.contain("embedded devnet");
    } finally {
      await devnet.stop();
    }
  });

  it("config check rejects a config without an RPC URL that names live contracts or keys, naming each path", async () => {
    const config = join(tempStateDir("keel-cfg-"), "keel.yaml");
    writeFileSync(
      config,
      [
        "contracts:",
        '  vault: "0x1111111111111111111111111111111111111111"',
        "execution:",
        "  keeper: { type: kms, keyId: alias/keeper }",
        "",
      ].join("\n"),
    );
    const check = await runKeel(["config", "check", config]);
    expect(check.code, check.stderr).to.equal(1);
    expect(check.stderr).to.match(/contracts\.vault: .*devnet/);
    expect(check.stderr).to.match(/execution\.keeper: .*devnet/);
    const dir = liveLookingStateDir();
    const run = await runKeel(["run", "--once", "--config", config], { KEEL__STATE__DIR: dir, KEEL__HTTP__PORT: "0" });
    expect(run.code, run.stderr).to.equal(1);
    expectUntouched(dir);
  });
});
