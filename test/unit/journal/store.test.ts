// The state directory's SQLite store: the decision journal (upsert by id, newest first, retention),
// the one-time import of the lowdb day files of earlier versions, and failing closed when a store
// that existed is lost or damaged (RELIABILITY rows 14-16).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { expect } from "chai";
import { MARKER_FILE, STORE_FILE } from "../../../src/adapters/store/database.ts";
import { openJournalReader } from "../../../src/adapters/store/reader.ts";
import { openStore } from "../../../src/adapters/store/store.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { record } from "../../support/fakes.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1, 12);

const tempDir = () => mkdtempSync(join(tmpdir(), "keel-store-"));

function openError(dir: string, now = T0): KeelError {
  try {
    openStore({ dir, retentionDays: 30, now: () => now }).close();
  } catch (err) {
    expect(err).to.be.instanceOf(KeelError);
    return err as KeelError;
  }
  throw new Error("the store opened");
}

describe("journal store (SQLite, WAL)", () => {
  let dir = "";
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("replaces a record by id, answers by id and newest first, and keeps them across a reopen", async () => {
    const store = openStore({ dir, retentionDays: 30, now: () => T0 });
    expect(store.status).to.equal("created");
    await store.journal.put(record("a", T0, { outcome: "pending" }));
    await store.journal.put(record("b", T0 + 1_000));
    await store.journal.put(record("a", T0, { outcome: "executed" }));
    expect((await store.journal.recent(10)).map((r) => r.id)).to.deep.equal(["b", "a"]);
    store.close();
    const again = openStore({ dir, retentionDays: 30, now: () => T0 });
    expect(again.status).to.equal("opened");
    expect((await again.journal.get("a"))?.outcome).to.equal("executed");
    expect(await again.journal.get("nope")).to.equal(undefined);
    expect((await again.journal.recent(1)).map((r) => r.id)).to.deep.equal(["b"]);
    again.close();
  });

  it("leaves checkpoints to the caller: appends stay in the WAL until checkpoint() copies them into keel.db", async () => {
    const store = openStore({ dir, retentionDays: 30, now: () => T0 });
    for (let i = 0; i < 50; i++) await store.journal.put(record(`c${i}`, T0 + i));
    const { walFrames, checkpointed } = store.checkpoint();
    expect(walFrames).to.be.greaterThan(50);
    expect(checkpointed).to.equal(walFrames);
    store.close();
    expect(store.checkpoint()).to.deep.equal({ walFrames: 0, checkpointed: 0 });
  });

  it("deletes records older than the retention at open and, an hour on, in the write path", async () => {
    let now = T0;
    const store = openStore({ dir, retentionDays: 7, now: () => now });
    await store.journal.put(record("old", T0 - 8 * DAY));
    await store.journal.put(record("edge", T0 - 4 * DAY));
    // Written after this open's prune: still there until the next one.
    expect(await store.journal.get("old")).to.not.equal(undefined);
    now = T0 + 2 * DAY;
    await store.journal.put(record("new", now));
    expect(await store.journal.get("old")).to.equal(undefined);
    expect(await store.journal.get("edge")).to.not.equal(undefined);
    store.close();
    const later = openStore({ dir, retentionDays: 7, now: () => T0 + 5 * DAY });
    expect((await later.journal.recent(10)).map((r) => r.id)).to.deep.equal(["new"]);
    later.close();
  });

  it("imports the day files of an earlier version once, keeps them under imported/, moves a bad one aside", async () => {
    const journalDir = join(dir, "journal");
    mkdirSync(journalDir);
    const day = (recs: ReturnType<typeof record>[]) => JSON.stringify({ version: 1, records: recs });
    writeFileSync(
      join(journalDir, "2026-05-30.json"),
      day([record("x1", T0 - 2 * DAY), record("x2", T0 - 2 * DAY + 1)]),
    );
    writeFileSync(join(journalDir, "2026-05-31.json"), day([record("y1", T0 - DAY)]));
    writeFileSync(join(journalDir, "2026-04-01.json"), day([record("ancient", T0 - 61 * DAY)]));
    writeFileSync(join(journalDir, "2026-06-01.json"), "\u0000\u0000{trunc");

    const store = openStore({ dir, retentionDays: 30, now: () => T0 });
    expect(store.legacy.files).to.deep.equal(["2026-04-01.json", "2026-05-30.json", "2026-05-31.json"]);
    expect(store.legacy.records).to.equal(4);
    expect(store.legacy.quarantined).to.have.length(1);
    expect(readFileSync(store.legacy.quarantined[0] as string, "utf8")).to.equal("\u0000\u0000{trunc");
    expect((await store.journal.recent(10)).map((r) => r.id)).to.deep.equal(["y1", "x2", "x1"]);
    // Kept for the operator, except what is past the retention anyway.
    expect(readdirSync(join(journalDir, "imported")).sort()).to.deep.equal(["2026-05-30.json", "2026-05-31.json"]);
    store.close();

    const again = openStore({ dir, retentionDays: 30, now: () => T0 });
    expect(again.legacy.files).to.deep.equal([]);
    expect((await again.journal.recent(10)).map((r) => r.id)).to.deep.equal(["y1", "x2", "x1"]);
    again.close();
  });

  it("is readable by the CLI while the daemon writes, together with day files not imported yet", async () => {
    const store = openStore({ dir, retentionDays: 30, now: () => T0 });
    await store.journal.put(record("a", T0));
    mkdirSync(join(dir, "journal"));
    writeFileSync(
      join(dir, "journal", "2026-05-31.json"),
      JSON.stringify({ version: 1, records: [record("z", T0 - DAY)] }),
    );
    const reader = openJournalReader(dir);
    await store.journal.put(record("b", T0 + 1));
    expect(reader.since(0).map((r) => r.id)).to.deep.equal(["z", "a", "b"]);
    expect(reader.get("z")?.id).to.equal("z");
    expect(reader.recent(2).map((r) => r.id)).to.deep.equal(["b", "a"]);
    reader.close();
    store.close();
  });

  describe("fails closed when the store is lost", () => {
    async function existing(): Promise<string> {
      const store = openStore({ dir, retentionDays: 30, now: () => T0 });
      for (let i = 0; i < 200; i++) await store.journal.put(record(`r${i}`, T0 + i, { detail: { rates: { a: i } } }));
      store.close();
      return join(dir, STORE_FILE);
    }

    it("refuses to start with an empty journal when keel.db is missing but the marker shows it existed", async () => {
      rmSync(await existing());
      const err = openError(dir);
      expect(err.code).to.equal("STORE_UNAVAILABLE");
      expect(err.retryable).to.equal(false);
      expect(err.message).to.contain("is missing").and.contain(MARKER_FILE).and.contain("restore");
      expect(existsSync(join(dir, STORE_FILE)), "no fresh store was created").to.equal(false);
      // The operator's deliberate answer: remove the marker to start a new store.
      rmSync(join(dir, MARKER_FILE));
      const fresh = openStore({ dir, retentionDays: 30, now: () => T0 });
      expect(fresh.status).to.equal("created");
      fresh.close();
    });

    for (const [name, damage] of [
      ["NUL-filled", (p: string) => writeFileSync(p, Buffer.alloc(statSync(p).size))],
      ["emptied", (p: string) => writeFileSync(p, "")],
      ["truncated", (p: string) => truncateSync(p, Math.floor(statSync(p).size / 2))],
      ["overwritten with garbage", (p: string) => writeFileSync(p, "not a database ".repeat(500))],
    ] as const) {
      it(`moves a ${name} store aside, keeps its bytes, and refuses to start until the operator acts`, async () => {
        const path = await existing();
        damage(path);
        const bytes = readFileSync(path);
        const err = openError(dir);
        expect(err.code).to.equal("STORE_UNAVAILABLE");
        expect(err.retryable).to.equal(false);
        const aside = String(err.context.quarantined);
        expect(aside).to.match(/keel\.db\.corrupt-\d+$/);
        expect(readFileSync(aside).equals(bytes)).to.equal(true);
        // Still refused on the next start: missing ≠ fresh start.
        expect(openError(dir, T0 + 1).message).to.contain("is missing");
      });
    }

    it("refuses a store of another state directory (the marker names a different id)", async () => {
      await existing();
      writeFileSync(join(dir, MARKER_FILE), JSON.stringify({ id: "0000000000000000" }));
      const err = openError(dir);
      expect(err.code).to.equal("STORE_UNAVAILABLE");
      expect(err.message).to.contain("is another store");
    });

    it("refuses a SQLite file that is not a keel store instead of writing into it", () => {
      const other = new DatabaseSync(join(dir, STORE_FILE));
      other.exec("CREATE TABLE songs (title TEXT)");
      other.close();
      const err = openError(dir);
      expect(err.code).to.equal("STORE_UNAVAILABLE");
      expect(err.message).to.contain("not a keel store");
    });
  });
});
