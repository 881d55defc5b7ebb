// The journal's append cost must not grow with the number of records it holds (issue 14, finding 4):
// measured as bytes this process hands to write(2) per append (/proc/self/io `wchar`), not wall time.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openStore } from "../../../src/adapters/store/store.ts";
import type { DecisionRecord } from "../../../src/domain/decision.ts";
import { decision } from "../../support/ops-fixtures.ts";

const T0 = Date.UTC(2026, 5, 1, 0, 0, 5);

/** Bytes this process has written through write(2) and friends so far (Linux). */
function bytesWritten(): number {
  const m = /^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"));
  if (!m) throw new Error("no wchar in /proc/self/io");
  return Number(m[1]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** The i-th decision of a day at the default 30 s cron: every record lands on the same UTC day. */
const tick = (i: number): DecisionRecord => ({
  ...decision(i),
  id: `r-${String(i).padStart(6, "0")}`,
  startedAt: T0 + i * 30_000,
});

describe("decision journal appends", function () {
  this.timeout(120_000);

  it("writes O(1) bytes per append: the median append at 400 records writes no more than at 50", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-append-"));
    try {
      const store = openStore({ dir, retentionDays: 30, now: () => T0 });
      const journal = store.journal;
      const written: number[] = [];
      for (let i = 0; i < 400; i++) {
        const before = bytesWritten();
        await journal.put(tick(i));
        written.push(bytesWritten() - before);
      }
      store.close();
      const early = median(written.slice(25, 50));
      const late = median(written.slice(375, 400));
      const recordBytes = JSON.stringify(tick(0), (_k, v) => (typeof v === "bigint" ? v.toString() : v)).length;
      // An append may write the record, its index entry and page headers, never the records before it.
      expect(late, `median bytes per append: ${early} at 50 records, ${late} at 400`).to.be.at.most(early * 1.5);
      expect(late).to.be.below(recordBytes * 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
