import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { applyEnvOverrides, loadConfig, parseConfig } from "../../../src/config/load.ts";
import { readSecret, redact } from "../../../src/config/secrets.ts";
import { ConfigError } from "../../../src/domain/errors.ts";

function issues(raw: unknown): { path: string; message: string }[] {
  try {
    parseConfig(raw, "test");
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return [...(err as ConfigError).issues];
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("fills every default from the schema and runs on devnet when no RPC URL is given", () => {
    const { config, devnet, hash } = parseConfig({}, "test");
    expect(devnet).to.equal(true);
    expect(config.http.host).to.equal("127.0.0.1");
    expect(config.strategy.horizonDays).to.equal(7);
    expect(hash).to.match(/^[0-9a-f]{16}$/);
    expect(Object.isFrozen(config.strategy)).to.equal(true);
  });

  it("hashes equal configs equally whatever the key order", () => {
    const a = parseConfig({ http: { port: 1234, host: "127.0.0.1" } }, "a").hash;
    const b = parseConfig({ http: { host: "127.0.0.1", port: 1234 } }, "b").hash;
    expect(a).to.equal(b);
    expect(parseConfig({ http: { port: 1235 } }, "c").hash).to.not.equal(a);
  });

  it("rejects unknown keys, naming their path", () => {
    expect(issues({ strategy: { horizonDayz: 7 } })).to.deep.include({
      path: "strategy",
      message: 'Unrecognized key: "horizonDayz"',
    });
    expect(issues({ nonsense: true }).map((i) => i.path)).to.include("(root)");
  });

  it("rejects negative bounds and out-of-range values with the field named", () => {
    const paths = issues({ strategy: { cooldownSeconds: -1, minIdleBps: 20_000 }, http: { port: 70_000 } }).map(
      (i) => i.path,
    );
    expect(paths).to.include.members(["strategy.cooldownSeconds", "strategy.minIdleBps", "http.port"]);
  });

  it("rejects malformed addresses and wrong checksums, and normalises lower-case ones", () => {
    expect(issues({ contracts: { vault: "0x1234" } })[0]).to.deep.equal({
      path: "contracts.vault",
      message: "not an address: 0x1234",
    });
    const bad = "0x5FbDB2315678afecb367f032d93F642f64180aa4"; // last digit changed from the checksummed ...aa3
    expect(issues({ contracts: { vault: bad } })[0]?.message).to.match(/checksum/);
    const lower = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    expect(parseConfig({ contracts: { vault: lower } }, "t").config.contracts.vault).to.equal(
      "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    );
  });

  it("rejects depeg thresholds that do not rise", () => {
    expect(
      issues({ risk: { depegStopPct: 10, depegExitPct: 3 } })
        .map((i) => i.message)
        .join(),
    ).to.match(/must rise/);
  });

  it("never takes a secret inline: a secret is a file or an environment variable, exactly one", () => {
    expect(issues({ chain: { rpcUrls: ["http://127.0.0.1:8545"] } })[0]?.path).to.equal("chain.rpcUrls.0");
    expect(issues({ chain: { rpcUrls: [{ file: "a", env: "B" }] } })[0]?.message).to.match(/exactly one/);
  });

  it("applies KEEL__SECTION__KEY environment overrides over the file, parsing JSON values", () => {
    const out = applyEnvOverrides(
      { http: { port: 1 } },
      { KEEL__HTTP__PORT: "9000", KEEL__STRATEGY__MIN_IDLE_BPS: "300", KEEL__LOG__LEVEL: "debug" },
    );
    expect(out).to.deep.equal({ http: { port: 9000 }, strategy: { minIdleBps: 300 }, log: { level: "debug" } });
  });

  it("reads JSON and YAML files and reports a file that does not parse as a ConfigError", () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-cfg-"));
    writeFileSync(join(dir, "a.yaml"), "http:\n  port: 1234\n");
    writeFileSync(join(dir, "b.json"), "{ not json");
    expect(loadConfig(join(dir, "a.yaml"), {}).config.http.port).to.equal(1234);
    expect(() => loadConfig(join(dir, "b.json"), {})).to.throw(ConfigError, /does not parse/);
    expect(() => loadConfig(join(dir, "missing.yaml"), {})).to.throw(ConfigError, /cannot read/);
  });

  it("reads secrets from files or the environment and redacts them from any text afterwards", () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-secret-"));
    writeFileSync(join(dir, "key"), "sekr3t-value-file\n");
    expect(readSecret({ file: join(dir, "key") })).to.equal("sekr3t-value-file");
    expect(readSecret({ env: "K" }, { K: "sekr3t-value-env" })).to.equal("sekr3t-value-env");
    expect(redact("url https://x/sekr3t-value-file and sekr3t-value-env")).to.equal(
      "url https://x/[redacted] and [redacted]",
    );
    expect(redact("https://user:pw@host/path")).to.equal("https://[redacted]@host/path");
    expect(() => readSecret({ env: "NOPE" }, {})).to.throw(ConfigError, "NOPE");
  });
});
