// docs/operations.md's devnet walkthrough, run as written: every fenced `sh` block of the section, in order,
// in one POSIX shell (set -e) in a fresh directory, with `keel` on PATH — then what each route left behind.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { parse as parseYaml } from "yaml";
import { readJournal, tempStateDir } from "../support/daemon.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const SECTION = "## From nothing to a live-style deployment (devnet walkthrough)";

/** The commands of every ```sh block in the walkthrough section, in order. */
function walkthroughCommands(markdown: string): string[] {
  const start = markdown.indexOf(SECTION);
  if (start < 0) throw new Error(`no "${SECTION}" in docs/operations.md`);
  const end = markdown.indexOf("\n## ", start + SECTION.length);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks.flatMap((b) => b.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#")));
}

describe("docs/operations.md: the devnet walkthrough runs as written", function () {
  this.timeout(420_000);
  const dir = tempStateDir("keel-walk-");
  let result: { code: number | string; out: string };

  before(async () => {
    const commands = walkthroughCommands(readFileSync(join(ROOT, "docs/operations.md"), "utf8"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "keel"), `#!/bin/sh\nexec "${process.execPath}" "${ROOT}src/main.ts" "$@"\n`);
    chmodSync(join(bin, "keel"), 0o755);
    const work = join(dir, "work");
    mkdirSync(work);
    // Each command echoed before it runs (set -x), the first failure ends the script (set -e).
    writeFileSync(join(dir, "walk.sh"), `set -ex\n${commands.join("\n")}\n`);
    // Its own process group: whatever the script leaves running is stopped with it, by that group's id.
    const child = spawn("/bin/sh", [join(dir, "walk.sh")], {
      cwd: work,
      detached: true,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, KEEL__LOG__LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => process.kill(-(child.pid as number), "SIGKILL"), 360_000);
    const code = await new Promise<number | string>((resolve) =>
      child.on("exit", (c, s) => resolve(c ?? s ?? "unknown")),
    );
    clearTimeout(timer);
    try {
      process.kill(-(child.pid as number), "SIGTERM");
    } catch {
      // the group has ended
    }
    result = { code, out };
  });

  it("every command exits as the guide says (the script stops at the first that does not)", () => {
    expect(result.code, result.out).to.equal(0);
    expect(result.out).to.match(/\+ kill \$DEVNET|\+ kill \d+/);
  });

  it("keys new made keystores; the devnet wrote deployment.json with named roles and a keel.yaml keel accepts", () => {
    const work = join(dir, "work");
    const alice = JSON.parse(readFileSync(join(work, "ops/alice.json"), "utf8")) as {
      address: string;
      Crypto: unknown;
    };
    expect(alice.Crypto).to.have.property("kdf", "scrypt");
    const d = JSON.parse(readFileSync(join(work, "dev/deployment.json"), "utf8"));
    for (const role of ["deployer", "manager", "keeper", "guardian", "depositor"])
      expect(d.accounts[role].address, role).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(d.accounts.signers.map((s: { address: string }) => s.address.toLowerCase().slice(2))).to.include(
      alice.address.toLowerCase().replace(/^0x/, ""),
    );
    expect(d.safe.threshold).to.equal(2);
    expect(d.safe.owners).to.have.length(3);
    const config = parseYaml(readFileSync(join(work, "dev/keel.yaml"), "utf8"));
    expect(config.execution.keeper.type).to.equal("kms");
    expect(config.execution.guardian.type).to.equal("kms");
    expect(Object.values(config.contracts.sourceLabels)).to.include("Aave v3 kUSDC");
    expect(result.out).to.match(/dev\/keel\.yaml: ok/);
  });

  it("each route moved funds: direct and bundle signed by the KMS keeper, the Safe's proposal rejected then executed", () => {
    const records = readJournal(join(dir, "work/dev/state"));
    const actions = records.flatMap((r) => (r.detail.action ? [r.detail.action] : []));
    const seen = actions.map((a) => `${a.route} ${a.status}`);
    // Then the daemon of step 7 may move again.
    const told = records.map((r) => `${r.id} ${r.outcome} ${r.haltReasons.map((h) => h.message).join(" + ")}`);
    expect(seen.slice(0, 4), `${seen.join(", ")} from ${told.join("; ")}`).to.deep.equal([
      "direct included",
      "bundle included",
      "safe proposed",
      "safe proposed",
    ]);
    expect(result.out).to.match(/rejection signed by 0x[0-9a-fA-F]{40}: 1\/2/);
    expect(result.out).to.match(/rejected: the Safe spent nonce 0 on its rejection in 0x[0-9a-f]{64}/);
    expect(result.out).to.match(/signed by 0x[0-9a-fA-F]{40}: 2\/2/);
    expect(result.out).to.match(/executed in 0x[0-9a-f]{64}/);
    expect(result.out).to.match(/paused vault 0x[0-9a-fA-F]{40} in tx/);
    expect(result.out).to.match(/unpaused vault 0x[0-9a-fA-F]{40} in tx/);
  });

  it("proposals show prints the Safe transaction's fields and the allocation before and after, by label", () => {
    for (const field of ["to", "value", "data", "operation", "nonce", "safeTxHash"])
      expect(result.out).to.match(new RegExp(`^ {2}${field} +\\S+`, "m"), field);
    expect(result.out).to.match(/^allocation \(kUSDC, on chain now → if executed now\)$/m);
    expect(result.out).to.match(/^ {2}idle \(in the vault\) +[\d.]+ +[\d.]+% {2}→ +[\d.]+ +[\d.]+%$/m);
    expect(result.out).to.match(/^ {2}deposit [\d.]+ kUSDC into (Yield Vault [AB]|Aave v3 kUSDC|Uniswap v2)/m);
  });

  it("status asks the running daemon, whose API (the dashboard's) names the sources by the config's labels", () => {
    expect(result.out).to.match(/daemon running at http:\/\/127\.0\.0\.1:\d+/);
    const screen = result.out.slice(result.out.search(/daemon running at/));
    expect(screen).to.match(/^ {2}Yield Vault B +\d/m);
    expect(screen).to.match(/^ {2}Aave v3 kUSDC +\d/m);
  });

  it("explain speaks in kUSDC and labels, and no password reaches any output or log", () => {
    expect(result.out).to.match(/^snapshot {2}total [\d.]+ kUSDC, idle [\d.]+ kUSDC$/m);
    expect(result.out).to.match(/^ {2}deposit +[\d.]+ kUSDC into (Yield Vault [AB]|Aave v3 kUSDC|Uniswap v2)/m);
    const log = readFileSync(join(dir, "work/dev.log"), "utf8");
    // The script echoes its own commands (set -x): only keel's output counts, so drop those lines.
    const keelOutput = result.out
      .split("\n")
      .filter((l) => !l.startsWith("+"))
      .join("\n");
    for (const secret of ["correct horse battery staple", "tr0ub4dor and three", "a long sentence nobody guesses"]) {
      expect(keelOutput).not.to.contain(secret);
      expect(log).not.to.contain(secret);
    }
  });
});
