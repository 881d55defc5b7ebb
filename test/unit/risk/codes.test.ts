import { readdirSync, readFileSync } from "node:fs";
import { expect } from "chai";
import { CAP_RULES, RISK_REASON_CODES, RISK_TRIGGER_CODES } from "../../../src/pipeline/riskGate/codes.ts";

const DIR = new URL("../../../src/pipeline/riskGate/", import.meta.url).pathname;

describe("risk reason codes", () => {
  it("catalogues every code the gate's source emits (stable codes for metrics)", () => {
    const known = new Set([
      ...Object.keys(RISK_TRIGGER_CODES),
      ...Object.keys(RISK_REASON_CODES),
      ...Object.keys(CAP_RULES),
    ]);
    const emitted = new Set<string>();
    for (const f of readdirSync(DIR).filter((n) => n.endsWith(".ts") && n !== "codes.ts")) {
      const text = readFileSync(DIR + f, "utf8");
      for (const m of text.matchAll(/(?:code: |b\.capAt\([^,]+, [^,]+, |capFromLimit\([^)]*?)"([A-Z][A-Z_]{3,})"/g))
        emitted.add(m[1]!);
      for (const m of text.matchAll(/\["([A-Z]+_LIMIT)"/g)) emitted.add(m[1]!.replace("_LIMIT", "_BREACH")).add(m[1]!);
    }
    expect(emitted.size).to.be.greaterThan(20);
    expect([...emitted].filter((c) => !known.has(c))).to.deep.equal([]);
  });
});
