import { readdirSync, readFileSync } from "node:fs";
import { expect } from "chai";
import { lookupCode } from "../../../src/domain/codes.ts";
import { CAP_RULES } from "../../../src/pipeline/riskGate/codes.ts";

const DIR = new URL("../../../src/pipeline/riskGate/", import.meta.url).pathname;

describe("risk reason codes", () => {
  it("every code the gate's source emits is in the catalogue (src/domain/codes.ts) as a halt or a reason", () => {
    const emitted = new Set<string>();
    for (const f of readdirSync(DIR).filter((n) => n.endsWith(".ts") && n !== "codes.ts")) {
      const text = readFileSync(DIR + f, "utf8");
      for (const m of text.matchAll(/(?:code: |\br\(\s*|exploit\(b, s, |[a-z]+: )"([A-Z][A-Z_]{3,})"/g))
        emitted.add(m[1]!);
    }
    const rules = new Set(Object.keys(CAP_RULES));
    const codes = [...emitted].filter((c) => !rules.has(c));
    expect(codes.length).to.be.greaterThan(25);
    expect(codes.filter((c) => !["halt", "reason"].includes(lookupCode(c)?.class ?? ""))).to.deep.equal([]);
  });

  it("every rule that can bind a cap is named in CAP_RULES", () => {
    const named = new Set<string>();
    for (const f of readdirSync(DIR).filter((n) => n.endsWith(".ts") && n !== "codes.ts")) {
      const text = readFileSync(DIR + f, "utf8");
      const calls = /(?:b\.capAt\(|capFromLimit\()[^"]*?"([A-Z][A-Z_]{3,})"|\["([A-Z]+_LIMIT)"/g;
      for (const m of text.matchAll(calls)) named.add((m[1] ?? m[2])!);
    }
    expect(named.size).to.be.greaterThan(5);
    expect([...named].filter((r) => !(r in CAP_RULES))).to.deep.equal([]);
  });
});
