// The size check (npm run lint): a source file over 300 lines or a function over 80 lines fails, however the
// function is written; a short file passes; only listed declarative tables are exempt.
import { expect } from "chai";
import { MAX_FILE_LINES, MAX_FUNCTION_LINES, sizeProblems, treeSizeProblems } from "../../../scripts/check-sizes.ts";

/** A function body of `n` statement lines. */
const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join("\n");

describe("size check (scripts/check-sizes.ts)", () => {
  it("flags a function declaration over 80 lines, naming it and its line, and passes one of exactly 80", () => {
    const long = `// header\nexport function tooLong(): void {\n${body(MAX_FUNCTION_LINES - 1)}\n}\n`;
    expect(sizeProblems("src/a.ts", long)).to.deep.equal([
      `src/a.ts:2: function tooLong is ${MAX_FUNCTION_LINES + 1} lines (max ${MAX_FUNCTION_LINES})`,
    ]);
    const fits = `export function fits(): void {\n${body(MAX_FUNCTION_LINES - 2)}\n}\n`;
    expect(sizeProblems("src/a.ts", fits)).to.deep.equal([]);
  });

  it("flags arrow functions and function expressions assigned to consts, methods, and long callbacks", () => {
    const text = [
      `const arrow = () => {\n${body(81)}\n};`,
      `const expr = function () {\n${body(81)}\n};`,
      `class K {\n  method(): void {\n${body(81)}\n  }\n}`,
      `run(async () => {\n${body(81)}\n});`,
    ].join("\n");
    const problems = sizeProblems("src/b.ts", text).filter((p) => p.includes(": function "));
    expect(problems.map((p) => p.replace(/^src\/b\.ts:\d+: function (\S+) .*$/, "$1"))).to.deep.equal([
      "arrow",
      "expr",
      "method",
      "<anonymous>",
    ]);
  });

  it("does not count a function's JSDoc, and flags a file over 300 lines but not one of exactly 300", () => {
    const doc = Array.from({ length: 30 }, () => " * doc").join("\n");
    expect(sizeProblems("src/c.ts", `/**\n${doc}\n */\nfunction f() {\n${body(70)}\n}\n`)).to.deep.equal([]);
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `export const c${i} = ${i};\n`).join("");
    expect(sizeProblems("src/c.ts", lines(MAX_FILE_LINES))).to.deep.equal([]);
    expect(sizeProblems("src/c.ts", lines(MAX_FILE_LINES + 1))).to.deep.equal([
      `src/c.ts: ${MAX_FILE_LINES + 1} lines (max ${MAX_FILE_LINES})`,
    ]);
  });

  it("exempts only the files and functions listed as tables", () => {
    const text = `export function table() {\n${body(90)}\n}\nexport function logic() {\n${body(90)}\n}\n`;
    const tables = new Map([["src/d.ts#table", "a table"]]);
    const problems = sizeProblems("src/d.ts", text, tables);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^src\/d\.ts:\d+: function logic /);
  });

  it("passes the real src/", () => {
    expect(treeSizeProblems("src")).to.deep.equal([]);
  });
});
