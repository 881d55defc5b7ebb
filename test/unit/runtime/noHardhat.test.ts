// The production daemon must not load Hardhat (or its EDR node): a live `keel run`, `keel pause` or
// `keel proposals` resolves no module of either. Devnet code loads only for devnet commands.
import { execFileSync } from "node:child_process";
import { expect } from "chai";

const ROOT = new URL("../../../", import.meta.url);

/** Every module URL resolved while importing `entries` in a fresh Node process (sync resolve hooks). */
function resolvedBy(entries: readonly string[]): string[] {
  const script = `
    import { registerHooks } from "node:module";
    const seen = [];
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
    for (const e of ${JSON.stringify(entries)}) await import(new URL(e, ${JSON.stringify(ROOT.href)}).href);
    process.stdout.write(JSON.stringify(seen));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: ROOT.pathname,
    encoding: "utf8",
  });
  return JSON.parse(out) as string[];
}

const HARDHAT = /\/node_modules\/(hardhat|@nomicfoundation)\//;

describe("the production daemon does not load Hardhat", function () {
  this.timeout(60_000);

  it("keel run, pause and proposals (and the app they build) resolve no Hardhat or EDR module", () => {
    const urls = resolvedBy(["src/cli/run.ts", "src/app.ts", "src/cli/pause.ts", "src/cli/proposals.ts"]);
    expect(urls.length, "the hook saw the imports").to.be.greaterThan(50);
    expect(urls.filter((u) => HARDHAT.test(u))).to.deep.equal([]);
  });

  it("the devnet command does load it (the check can fail)", () => {
    expect(resolvedBy(["src/cli/devnet.ts"]).filter((u) => HARDHAT.test(u))).to.not.be.empty;
  });
});
