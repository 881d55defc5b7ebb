import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { ChainErrorCode } from "../../../src/adapters/chain/errors.ts";
import { type Code, ERROR_CODES, HALT_CODES, lookupCode, REASON_CODES, SEVERITIES } from "../../../src/domain/codes.ts";
import type { DecisionRecord } from "../../../src/domain/decision.ts";

import { headlineOf, isHalted, rankedReasons } from "../../../src/domain/headline.ts";
import type { Reason } from "../../../src/domain/reasons.ts";

const SRC = new URL("../../../src/", import.meta.url).pathname;

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

const halted = (stages: DecisionRecord["stages"], haltReasons: Reason[]) =>
  ({ outcome: "halted", stages, haltReasons }) as const;
const r = (code: Reason["code"], severity: Reason["severity"] = "info"): Reason => ({ code, message: code, severity });
/** The risk gate's stage, gone on with these reasons. */
const riskStage = (...reasons: Reason[]): DecisionRecord["stages"][number] => ({
  stage: "riskGate",
  status: "ok",
  durationMs: 1,
  summary: "",
  reasons,
});

describe("code catalogue (src/domain/codes.ts)", () => {
  it("catalogues each code once, in one of the three classes, with a known severity", () => {
    const tables = [HALT_CODES, REASON_CODES, ERROR_CODES].map((t) => Object.keys(t));
    const all = tables.flat();
    expect(new Set(all).size, "a code in two tables").to.equal(all.length);
    for (const t of [HALT_CODES, REASON_CODES, ERROR_CODES])
      for (const [code, e] of Object.entries(t)) expect(SEVERITIES, code).to.include(e.severity);
    for (const code of Object.keys(ERROR_CODES)) expect(lookupCode(code)?.severity, code).to.equal("error");
  });

  it("types every code as a literal of the catalogue: an uncatalogued code does not type-check", () => {
    const known: Code[] = ["PAUSED", "DEPEG_STOP", "KILL_SWITCH_FAILED", "SIGN_DENIED_FEE_CAP"];
    // @ts-expect-error NOT_A_CODE is in no table (typecheck fails if the union widened to string)
    const unknown: Code = "NOT_A_CODE";
    expect(known.map((c) => lookupCode(c)?.class)).to.deep.equal(["halt", "reason", "halt", "error"]);
    expect(lookupCode(unknown)).to.equal(undefined);
    expect(HALT_CODES.PAUSED).to.deep.equal({ severity: "trigger", about: "the vault is paused (kill-switch pulled)" });
  });

  it("knows every failure code keel throws or ends an intent with", () => {
    const thrown = new Set<string>(Object.values(ChainErrorCode));
    for (const file of sources(SRC)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(
        /KeelError\(\s*(?:[^"(),]+\?\s*)?"([A-Z][A-Z0-9_]+)"(?:\s*:\s*"([A-Z][A-Z0-9_]+)")?/g,
      ))
        for (const c of [m[1], m[2]]) if (c) thrown.add(c);
      for (const m of text.matchAll(/error: \{ code: "([A-Z][A-Z0-9_]+)"/g)) thrown.add(m[1]!);
    }
    expect(thrown.size).to.be.greaterThan(60);
    expect([...thrown].filter((c) => lookupCode(c) === undefined)).to.deep.equal([]);
  });

  it("ranks a decision's reasons by severity: a depeg freeze outranks the optimizer's STAY", () => {
    const rec = halted(
      [
        riskStage(r("CAP_BOUND"), r("DEPEG_STOP", "warn")),
        { stage: "optimize", status: "halt", durationMs: 1, summary: "", reasons: [r("STAY", "halt")] },
      ],
      [r("STAY", "halt")],
    );
    expect(rankedReasons(rec).map((x) => x.reason.code)).to.deep.equal(["DEPEG_STOP", "STAY", "CAP_BOUND"]);
    expect(isHalted(rec)).to.equal(true);
  });

  it("between two freezes the catalogue order decides: a depeg stop recorded after a withdraw limit is the headline", () => {
    // Seen on the devnet: a base-asset depeg also limits the LP adapter's maxWithdraw, and the anomaly
    // check records WITHDRAW_LIMITED before the depeg check records DEPEG_STOP for every source.
    const rec = halted(
      [riskStage(r("WITHDRAW_LIMITED", "warn"), r("DEPEG_STOP", "warn"), r("DEPEG_STOP", "warn"))],
      [r("STAY", "halt")],
    );
    expect(headlineOf(rec)?.reason.code).to.equal("DEPEG_STOP");
    expect(rankedReasons(rec).map((x) => x.reason.code)).to.deep.equal([
      "DEPEG_STOP",
      "DEPEG_STOP",
      "WITHDRAW_LIMITED",
      "STAY",
    ]);
  });

  it("a trigger outranks the data halts beside it; a wait and the routine no's are not halts", () => {
    const trig = halted([], [r("DATA_STALE", "halt"), r("DEPEG_PAUSE", "halt"), r("KILL_SWITCH_PULLED", "halt")]);
    expect(headlineOf(trig)?.reason.code).to.equal("DEPEG_PAUSE");
    for (const code of ["PROPOSAL_PENDING", "STAY", "COOLDOWN", "GAIN_BELOW_COST", "FEE_CAP"] as const)
      expect(isHalted(halted([], [r(code, "halt")])), code).to.equal(false);
    // A warning beside a STAY is the headline, but nothing stopped the keeper that needs a look.
    const alert = halted([riskStage(r("DEPEG_ALERT", "warn"))], [r("STAY", "halt")]);
    expect(headlineOf(alert)?.reason.code).to.equal("DEPEG_ALERT");
    expect(isHalted(alert)).to.equal(false);
  });

  it("a failed decision's headline is its error; a code the catalogue does not know keeps its own severity", () => {
    const failed = {
      outcome: "failed" as const,
      haltReasons: [],
      stages: [
        {
          stage: "ingest" as const,
          status: "error" as const,
          durationMs: 1,
          summary: "failed",
          error: { code: "RPC_UNAVAILABLE", message: "no endpoint", retryable: true },
        },
      ],
    };
    expect(headlineOf(failed)).to.deep.include({ severity: "error", class: "error" });
    expect(headlineOf(failed)?.reason.code).to.equal("RPC_UNAVAILABLE");
    expect(isHalted(failed)).to.equal(true);
    const old = { code: "RETIRED_CODE", message: "from an older keel", severity: "warn" as const };
    // A journal written by an older keel may hold it: the type says catalogued, the data may not.
    expect(headlineOf({ haltReasons: [old as unknown as Reason], stages: [] })?.severity).to.equal("warn");
  });
});
