import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openJournal } from "../../../src/adapters/journal/lowdbJournal.ts";
import { record } from "../../support/fakes.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1, 12);

describe("decision journal (lowdb, one file per UTC day)", () => {
  it("writes records durably to their day's file and replaces a record by id", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-journal-"));
    const j = await openJournal({ dir, retentionDays: 30, now: () => T0 });
    await j.put(record("a", T0, { outcome: "pending" }));
    await j.put(record("a", T0, { outcome: "executed" }));
    await j.put(record("b", T0 + DAY));
    const day1 = JSON.parse(readFileSync(join(dir, "2026-06-01.json"), "utf8"));
    expect(day1.records).to.have.length(1);
    expect(day1.records[0].outcome).to.equal("executed");
    expect(existsSync(join(dir, "2026-06-02.json"))).to.equal(true);
    expect((await j.recent(10)).map((r) => r.id)).to.deep.equal(["b", "a"]);
    expect((await j.get("a"))?.outcome).to.equal("executed");
    // No temp files left behind by the atomic writes.
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).to.deep.equal([]);
  });

  it("moves a day file that does not parse aside instead of overwriting it, and keeps working", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-journal-"));
    writeFileSync(join(dir, "2026-06-01.json"), "\u0000\u0000{trunc");
    const j = await openJournal({ dir, retentionDays: 30, now: () => T0 });
    await j.put(record("a", T0));
    expect(j.quarantined).to.have.length(1);
    expect(readFileSync(j.quarantined[0] as string, "utf8")).to.equal("\u0000\u0000{trunc");
    expect(JSON.parse(readFileSync(join(dir, "2026-06-01.json"), "utf8")).records[0].id).to.equal("a");
  });

  it("deletes day files older than the retention period", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-journal-"));
    writeFileSync(join(dir, "2026-01-01.json"), JSON.stringify({ version: 1, records: [] }));
    writeFileSync(join(dir, "2026-05-30.json"), JSON.stringify({ version: 1, records: [] }));
    await openJournal({ dir, retentionDays: 7, now: () => T0 });
    expect(readdirSync(dir).sort()).to.deep.equal(["2026-05-30.json"]);
  });
});
