import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openIntentStore } from "../../../src/adapters/execution/intentStore.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { killHard, spawnWithFailpoint, waitForMarker } from "../../support/failpoints.ts";

const base = { onchainId: "0x01", decisionId: "d", route: "direct" as const, moves: [] };

describe("intent store (lowdb, atomic fsync'd writes)", function () {
  this.timeout(30_000);
  // A fresh directory per test: each test can run again in the same process (Stryker re-runs them).
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "keel-intents-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  let t = 1_000;
  const now = () => t++;

  it("persists every transition so a reopened store sees it", async () => {
    const path = join(dir, "a.json");
    const s1 = await openIntentStore({ path, now });
    expect(s1.openStatus).to.equal("fresh");
    await s1.create({ ...base, id: "i1" });
    await s1.transition("i1", "signed", {
      nonce: 3,
      from: "0xabc",
      txs: [{ hash: "0xh", raw: "0xraw", maxFeePerGasWei: "1", maxPriorityFeePerGasWei: "1", at: 1 }],
    });
    const s2 = await openIntentStore({ path, now });
    expect(s2.openStatus).to.equal("loaded");
    expect(s2.get("i1")?.state).to.equal("signed");
    expect(s2.get("i1")?.txs[0]?.raw).to.equal("0xraw");
    expect(s2.unfinished().map((r) => r.id)).to.deep.equal(["i1"]);
  });

  it("a write that fails (STATE_WRITE_FAILED, retryable) is undone in memory: the store holds what the disk holds", async () => {
    const path = join(dir, "undo.json");
    const s = await openIntentStore({ path, now });
    await s.create({ ...base, id: "u1" });
    // A directory where the temp file goes makes every write fail, as a full disk would.
    const blocker = join(dir, `.undo.json.${process.pid}.tmp`);
    mkdirSync(blocker);
    try {
      for (const attempt of [
        () => s.transition("u1", "signed", { nonce: 1, from: "0xabc" }),
        () => s.create({ ...base, id: "u2" }),
      ]) {
        const err = await attempt().catch((e: unknown) => e);
        expect((err as KeelError).code).to.equal("STATE_WRITE_FAILED");
        expect((err as KeelError).retryable).to.equal(true);
      }
      expect(s.get("u1")?.state).to.equal("planned");
      expect(s.get("u1")?.nonce).to.equal(undefined);
      expect(s.get("u2")).to.equal(undefined);
      expect(s.list().map((r) => r.id)).to.deep.equal(["u1"]);
    } finally {
      rmSync(blocker, { recursive: true });
    }
    await s.transition("u1", "signed", { nonce: 1, from: "0xabc" });
    expect((await openIntentStore({ path, now })).get("u1")?.state).to.equal("signed");
    // The failed create left nothing behind: the same id can be created once the disk is back.
    expect((await s.create({ ...base, id: "u2" }))?.state).to.equal("planned");
    expect((await openIntentStore({ path, now })).list().map((r) => r.id)).to.deep.equal(["u1", "u2"]);
  });

  it("flush writes a fresh store to disk before its first intent (a restart then finds it loaded, not missing)", async () => {
    const path = join(dir, "fresh.json");
    const s = await openIntentStore({ path, now });
    expect(existsSync(path)).to.equal(false);
    await s.flush();
    expect(JSON.parse(readFileSync(path, "utf8"))).to.deep.equal({ version: 1, intents: [] });
    expect((await openIntentStore({ path, now })).openStatus).to.equal("loaded");
  });

  it("is idempotent on create and refuses transitions the state machine forbids", async () => {
    const s = await openIntentStore({ path: join(dir, "b.json"), now });
    const a = await s.create({ ...base, id: "i2" });
    const b = await s.create({ ...base, id: "i2", decisionId: "other" });
    expect(b).to.deep.equal(a);
    await s.transition("i2", "cancelled");
    const err = await s.transition("i2", "sent").catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal("INTENT_BAD_TRANSITION");
    expect(s.unfinished()).to.have.length(0);
  });

  for (const [name, content] of [
    ["empty", ""],
    ["NUL-filled", "\0".repeat(512)],
    ["truncated", '{"version":1,"intents":[{"id":"x","sta'],
    ["wrong schema", '{"version":2,"rows":[]}'],
    ["wrong version", '{"version":2,"intents":[]}'],
    ["intents not a list", '{"version":1,"intents":{"a":{"id":"a","state":"sent"}}}'],
    ["id-less intent", '{"version":1,"intents":[{"id":"a","state":"sent"},{"state":"sent"}]}'],
    ["state-less intent", '{"version":1,"intents":[{"id":"a","state":"sent"},{"id":"b"}]}'],
    ["JSON null", "null"],
  ] as const) {
    it(`moves a ${name} file aside and reports it as corrupt (never silently fresh)`, async () => {
      const path = join(dir, `bad-${name.replace(/\W/g, "")}.json`);
      writeFileSync(path, content);
      const s = await openIntentStore({ path, now });
      expect(s.openStatus).to.equal("corrupt");
      expect(s.quarantinedTo).to.be.a("string");
      expect(existsSync(s.quarantinedTo ?? "")).to.equal(true);
      expect(readFileSync(s.quarantinedTo ?? "", "utf8")).to.equal(content);
    });
  }

  it("always parses after a SIGKILL in the middle of writes (old or new, never torn)", async () => {
    const path = join(dir, "killed.json");
    const marker = join(dir, "killed.marker");
    const fp = spawnWithFailpoint(["test/support/failpoints-store-writer.ts", path], { marker });
    await waitForMarker(marker, fp);
    await killHard(fp);
    const parsed = JSON.parse(readFileSync(path, "utf8")) as { version: number; intents: unknown[] };
    expect(parsed.version).to.equal(1);
    expect(parsed.intents.length).to.be.greaterThan(0);
    const s = await openIntentStore({ path, now });
    expect(s.openStatus).to.equal("loaded");
  });
});
