// Deployment files: the systemd unit verifies, the Dockerfile copies only what exists, the install
// script and the container entrypoint run outside their real environments.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse as parseYaml } from "yaml";

const ROOT = new URL("../../..", import.meta.url).pathname;
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");

/** Dockerfile instructions with line continuations joined. */
function instructions(): string[] {
  return read("Dockerfile")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

describe("deployment: systemd", () => {
  const unit = read("systemd/keel.service");
  const directive = (name: string) => [...unit.matchAll(new RegExp(`^${name}=(.*)$`, "gm"))].map((m) => m[1]);

  it("restarts on failure but never on bad config or usage (exit 1, 2)", () => {
    expect(directive("Restart")).to.deep.equal(["on-failure"]);
    expect(directive("RestartPreventExitStatus")).to.deep.equal(["1 2"]);
    expect(directive("KillSignal")).to.deep.equal(["SIGTERM"]);
    expect(Number.parseInt(directive("TimeoutStopSec")[0] ?? "0", 10)).to.be.at.least(30);
  });

  it("runs as its own user with a state directory and a hardened sandbox", () => {
    expect(directive("User")).to.deep.equal(["keel"]);
    expect(directive("StateDirectory")).to.deep.equal(["keel"]);
    for (const [k, v] of [
      ["NoNewPrivileges", "yes"],
      ["ProtectSystem", "strict"],
      ["ProtectHome", "yes"],
      ["PrivateTmp", "yes"],
      ["PrivateDevices", "yes"],
      ["CapabilityBoundingSet", ""],
    ] as const) {
      expect(directive(k), k).to.deep.equal([v]);
    }
    expect(directive("Environment")).to.include("KEEL__STATE__DIR=/var/lib/keel");
  });

  it("lets onnxruntime read /proc/cpuinfo: no ProcSubset=pid, under which every start logged 'Error in cpuinfo' and lost CPU feature detection (systemd 252, scripts/systemd-trial.sh)", () => {
    expect(directive("ProcSubset")).to.deep.equal([]);
  });

  it("systemctl reload does not stop keel: no ExecReload that sends SIGTERM (a reload is a SIGHUP at most)", () => {
    for (const cmd of directive("ExecReload")) {
      expect(cmd, "ExecReload").to.not.match(/-(TERM|KILL|INT)\b|SIGTERM|SIGINT/);
      expect(cmd, "ExecReload").to.match(/-HUP\b/);
    }
  });

  it("the keel user can read its config: /etc/keel is made root:keel 0750 by the installer, and the unit does not remake it root-only", function () {
    // systemd makes a ConfigurationDirectory root:root whatever its mode, which locks the keel user out.
    expect(directive("ConfigurationDirectory"), "ConfigurationDirectory").to.deep.equal([]);
    const dry = spawnSync(
      "bash",
      ["scripts/install-systemd.sh", "--dry-run", "--no-start", "--node", process.execPath],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(dry.status, dry.stderr).to.equal(0);
    const dirLine = dry.stdout.split("\n").find((l) => /^\+ install -d .*\/etc\/keel$/.test(l));
    expect(dirLine, dry.stdout).to.equal("+ install -d -m 0750 -o root -g keel /etc/keel");
    expect(dry.stdout).to.contain("+ install -m 0640 -o root -g keel /dev/null /etc/keel/keel.yaml");
    if (process.getuid?.() !== 0 || spawnSync("sh", ["-c", "command -v setpriv"]).status !== 0) {
      console.log("    (skipped the permission check: needs root and setpriv)");
      this.skip();
    }
    // The same modes on a real tree: a process with the service's group (and no other) reads the config.
    const root = mkdtempSync(join(tmpdir(), "keel-etc-"));
    try {
      const etc = join(root, "keel");
      const gid = 4242;
      mkdirSync(etc);
      writeFileSync(join(etc, "keel.yaml"), "log: { level: info }\n");
      chmodSync(root, 0o755);
      chownSync(etc, 0, gid);
      chmodSync(etc, 0o750);
      chownSync(join(etc, "keel.yaml"), 0, gid);
      chmodSync(join(etc, "keel.yaml"), 0o640);
      const asService = (g: number) =>
        spawnSync("setpriv", ["--reuid=4242", `--regid=${g}`, "--clear-groups", "cat", join(etc, "keel.yaml")], {
          encoding: "utf8",
        });
      expect(asService(gid).status, asService(gid).stderr).to.equal(0);
      // What the old unit did (root:root 0750): the service user is locked out.
      chownSync(etc, 0, 0);
      expect(asService(gid).status).to.not.equal(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("passes systemd-analyze verify", function () {
    if (spawnSync("sh", ["-c", "command -v systemd-analyze"]).status !== 0) {
      console.log("    (skipped: systemd-analyze not installed)");
      this.skip();
    }
    // Point ExecStart at this Node so the check does not depend on where node lives on the CI host.
    const dir = mkdtempSync(join(tmpdir(), "keel-unit-"));
    try {
      const file = join(dir, "keel.service");
      writeFileSync(file, unit.replaceAll("/usr/bin/node", process.execPath));
      const r = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stderr.trim(), "warnings").to.equal("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the install script parses and, in dry-run, installs the unit without touching the system", () => {
    const syntax = spawnSync("bash", ["-n", "scripts/install-systemd.sh"], { cwd: ROOT, encoding: "utf8" });
    expect(syntax.status, syntax.stderr).to.equal(0);
    const dry = spawnSync(
      "bash",
      ["scripts/install-systemd.sh", "--dry-run", "--no-start", "--node", process.execPath],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(dry.status, dry.stderr).to.equal(0);
    expect(dry.stdout).to.contain("+ install -m 0644");
    expect(dry.stdout).to.contain("/etc/systemd/system/keel.service");
    expect(dry.stdout).to.contain("npm ci --omit=dev");
  });
});

describe("deployment: Docker", () => {
  it("is multi-stage on Node 24 slim, runs as a non-root user with a state volume and a /healthz check", () => {
    const ins = instructions();
    const froms = ins.filter((l) => l.startsWith("FROM "));
    expect(froms.length).to.be.at.least(2);
    expect(read("Dockerfile")).to.match(/ARG NODE_IMAGE=node:24[-.\w]*slim/);
    expect(ins.filter((l) => l.startsWith("USER ")).at(-1)).to.equal("USER keel");
    expect(ins.some((l) => l.startsWith("VOLUME ") && l.includes("/var/lib/keel"))).to.equal(true);
    expect(ins.find((l) => l.startsWith("HEALTHCHECK "))).to.contain("/healthz");
    expect(ins.some((l) => l.includes("npm prune --omit=dev") || l.includes("npm ci --omit=dev"))).to.equal(true);
    expect(ins.some((l) => l.includes("hardhat build"))).to.equal(true);
  });

  it(".dockerignore keeps deploy/ (where the config and secrets go) and env files out of the build context", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    expect(
      ignored.some((p) => ["deploy", "deploy/", "/deploy", "deploy/**"].includes(p)),
      ignored.join(" "),
    ).to.equal(true);
    expect(ignored).to.include("**/*.env");
  });

  it("copies from the build context only files that exist and are not docker-ignored", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    const copies = instructions().filter((l) => /^(COPY|ADD) /.test(l) && !l.includes("--from="));
    expect(copies.length).to.be.greaterThan(0);
    for (const line of copies) {
      const parts = line
        .split(/\s+/)
        .slice(1)
        .filter((p) => !p.startsWith("--"));
      for (const src of parts.slice(0, -1)) {
        if (src === ".") continue;
        expect(existsSync(join(ROOT, src)), `${src} (${line})`).to.equal(true);
        expect(ignored, `${src} is docker-ignored`).to.not.include(src);
      }
    }
  });

  it("copies from the builder only what the context provides or the builder makes", () => {
    const ins = instructions();
    const made = new Set(["node_modules", "artifacts"]);
    for (const l of ins)
      for (const m of l.matchAll(/mkdir -p ([\w ./-]+?)(?:&&|$)/g))
        for (const d of m[1]!.trim().split(/\s+/)) made.add(d);
    const fromBuilder = ins.filter((l) => l.startsWith("COPY --from=builder"));
    expect(fromBuilder.length).to.be.greaterThan(3);
    for (const line of fromBuilder) {
      const parts = line.split(/\s+/).slice(2);
      for (const src of parts.slice(0, -1)) {
        const rel = src.replace(/^\/build\//, "");
        expect(made.has(rel) || existsSync(join(ROOT, rel)), `${rel} (${line})`).to.equal(true);
      }
    }
  });

  it("the image refuses to start without a config (its default command and a bare `run`): exit 1, no state written", function () {
    this.timeout(60_000);
    const ins = instructions();
    const runtime = ins.slice(ins.findLastIndex((l) => l.startsWith("FROM ")));
    const env: Record<string, string> = {};
    for (const l of runtime.filter((x) => x.startsWith("ENV ")))
      for (const m of l.slice(4).matchAll(/([A-Z0-9_]+)=(\S+)/g)) env[m[1]!] = m[2]!;
    const argv = (name: string) =>
      JSON.parse(runtime.find((l) => l.startsWith(`${name} `))!.slice(name.length + 1)) as string[];
    const entry = argv("ENTRYPOINT").map((a) => (a === "node" ? process.execPath : a.replace("/opt/keel/", ROOT)));
    for (const cmd of [argv("CMD"), ["run"]]) {
      const state = mkdtempSync(join(tmpdir(), "keel-image-"));
      const r = spawnSync(entry[0]!, [...entry.slice(1), ...cmd], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 30_000,
        // The image's environment, with its paths and address moved to this machine's loopback.
        env: {
          PATH: process.env.PATH,
          ...env,
          KEEL__STATE__DIR: state,
          HOME: state,
          KEEL__HTTP__HOST: "127.0.0.1",
          KEEL__HTTP__PORT: "0",
        },
      });
      expect(r.status, `${cmd.join(" ")}: ${r.stderr}`).to.equal(1);
      expect(r.stderr).to.contain("config");
      expect(readdirSync(state), cmd.join(" ")).to.deep.equal([]);
      rmSync(state, { recursive: true, force: true });
    }
  });

  it("the image's entrypoint command runs outside Docker", () => {
    const entry = instructions().find((l) => l.startsWith("ENTRYPOINT "))!;
    const argv = JSON.parse(entry.slice("ENTRYPOINT ".length)) as string[];
    expect(argv.slice(0, 2)).to.deep.equal(["node", "/opt/keel/src/main.ts"]);
    const r = spawnSync(process.execPath, [join(ROOT, "src/main.ts"), "--version"], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
  });

  it("docker-compose provisions keel, Prometheus, Alertmanager and Grafana from files that exist, on loopback", () => {
    const compose = parseYaml(read("docker-compose.yml")) as {
      services: Record<string, { volumes?: string[]; ports?: string[] }>;
    };
    expect(Object.keys(compose.services)).to.include.members(["keel", "prometheus", "alertmanager", "grafana"]);
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const v of svc.volumes ?? []) {
        const src = v.split(":")[0]!;
        if (src.startsWith("./")) expect(existsSync(join(ROOT, src)), `${name}: ${src}`).to.equal(true);
      }
      for (const p of svc.ports ?? []) expect(p, `${name} port`).to.match(/^127\.0\.0\.1:/);
    }
  });
});
