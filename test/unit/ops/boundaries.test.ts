// The boundary check (npm run lint): the pure folders import no I/O, and no two folders under src/ import
// each other both ways — shown failing on deliberately bad trees, and passing on the real one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { boundaryProblems } from "../../../scripts/check-boundaries.ts";

describe("boundary check (scripts/check-boundaries.ts)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "keel-boundaries-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  it("fails on src/execution importing ethers, an adapter, or using the process global", () => {
    write(
      "src/execution/bad.ts",
      'import { Wallet } from "ethers";\nimport { x } from "../adapters/execution/direct.ts";\n',
    );
    write("src/execution/env.ts", "export const key = process.env.KEY;\n");
    write("src/adapters/execution/direct.ts", "export const x = 1;\n");
    const problems = boundaryProblems(join(dir, "src"));
    expect(problems.filter((p) => p.includes("execution/bad.ts:1:") && p.includes('"ethers"'))).to.have.length(1);
    expect(
      problems.filter((p) => p.includes("execution/bad.ts:2:") && p.includes("adapters/execution")),
    ).to.have.length(1);
    expect(problems.filter((p) => p.includes("execution/env.ts:1: uses the process global"))).to.have.length(1);
  });

  it("fails when two folders import each other both ways (a dynamic import counts), naming both imports", () => {
    write("src/alpha/a.ts", 'import { b } from "../beta/b.ts";\nexport const a = b;\n');
    write("src/beta/b.ts", 'export const b = 1;\nexport const later = () => import("../alpha/a.ts");\n');
    write("src/gamma/g.ts", 'import { b } from "../beta/b.ts";\nexport const g = b;\n');
    const problems = boundaryProblems(join(dir, "src"));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^src\/alpha and src\/beta import each other: .*alpha\/a\.ts:1 .*; .*beta\/b\.ts:2 /);
  });

  it("passes a layered tree, and the real src/", () => {
    write("src/domain/d.ts", "export const d = 1;\n");
    write("src/execution/e.ts", 'import { d } from "../domain/d.ts";\nexport const e = d;\n');
    write("src/adapters/x.ts", 'import { e } from "../execution/e.ts";\nimport { readFileSync } from "node:fs";\n');
    expect(boundaryProblems(join(dir, "src"))).to.deep.equal([]);
    expect(boundaryProblems("src")).to.deep.equal([]);
  });
});
