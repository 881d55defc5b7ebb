// The decision journal store (keel.db): durable append latency at 1 000 and at 100 000 records, bytes
// written per append, `keel explain` lookups (daemon API and the CLI reading the file), the API's
// newest-first page, the start-up open (integrity check included) and `keel report` at 100 000 records.
//   node bench/journal.bench.ts        (KEEL_BENCH_JOURNAL_RECORDS=100000, KEEL_BENCH_APPENDS=2000)
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { inTransaction } from "../src/adapters/store/database.ts";
import { openJournalReader } from "../src/adapters/store/reader.ts";
import { openStore } from "../src/adapters/store/store.ts";
import type { DecisionRecord } from "../src/domain/decision.ts";
import { reportFromDecisions } from "../src/report/fromJournal.ts";
import { renderReport } from "../src/report/html.ts";
import { tempStateDir } from "../test/support/daemon.ts";
import { decision } from "../test/support/ops-fixtures.ts";

const RECORDS = Number(process.env.KEEL_BENCH_JOURNAL_RECORDS ?? 100_000);
const APPENDS = Number(process.env.KEEL_BENCH_APPENDS ?? 2_000);
const LOOKUPS = 1_000;
const T0 = Date.UTC(2026, 0, 1);
const CADENCE_MS = 30_000;

const line = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN) * 1000) / 1000;
};
const written = () => Number(/^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"))?.[1] ?? Number.NaN);

const SOURCES = [
  "0x1429859428C0aBc9C2C47C8Ee9FBaf82cFA0F20f",
  "0x2bdCC0de6bE1f7D2ee689a0342D76F52E8EFABa3",
  "0x7bc06c482DEAd17c0e297aFbC32f6e63d3846650",
  "0xFD471836031dc5108809D173A067e8486B9047A3",
];

/** A decision of the size the devnet daemon writes (3-7 kB): the ops fixture plus per-source risk detail. */
function tick(i: number): DecisionRecord {
  const d = decision(i);
  const sourceRisk = Object.fromEntries(
    SOURCES.map((id, k) => [
      id,
      {
        expectedIlAprPct: 0.1 * k,
        exitCostBps: 3 + k,
        exitableShare: 1,
        score: 80 - k,
        scoreComponents: { audits: 90, age: 70 + k, tvl: 85, incidents: 100, oracle: 75 },
        depegPct: -0.01 * i,
      },
    ]),
  );
  const reasons = SOURCES.map((id, k) => ({
    code: "IL_EXPECTED" as const,
    message: `source ${id}: expected impermanent loss ${(0.1 * k).toFixed(2)} % a year over the 7-day horizon`,
    sourceId: id,
    value: 0.1 * k,
    severity: "info" as const,
  }));
  return {
    ...d,
    id: `${new Date(T0 + i * CADENCE_MS).toISOString().replace(/[-:]/g, "").slice(0, 15)}-${i.toString(16).padStart(6, "0")}`,
    startedAt: T0 + i * CADENCE_MS,
    detail: d.detail.verdict ? { ...d.detail, verdict: { ...d.detail.verdict, sourceRisk, reasons } } : d.detail,
  };
}

const dir = tempStateDir("keel-bench-journal-");
let now = T0;
try {
  let store = openStore({ dir, retentionDays: 3_650, now: () => now });
  const recordBytes = JSON.stringify(tick(3), (_k, v) => (typeof v === "bigint" ? v.toString() : v)).length;

  /** `n` durable appends, one at a time, as the daemon writes them. */
  const appends = async (from: number, n: number) => {
    const ms: number[] = [];
    const bytes: number[] = [];
    const checkpointMs: number[] = [];
    for (let i = from; i < from + n; i++) {
      now = T0 + i * CADENCE_MS;
      const w0 = written();
      const t0 = performance.now();
      await store.journal.put(tick(i));
      ms.push(performance.now() - t0);
      bytes.push(written() - w0);
      // As the daemon does after each tick: outside the write-ahead append.
      const t1 = performance.now();
      store.checkpoint();
      checkpointMs.push(performance.now() - t1);
    }
    return { ms, bytes, checkpointMs };
  };

  const early = await appends(0, Math.min(APPENDS, 1_000));
  line({
    bench: "journal.append",
    records: 1_000,
    p50: pct(early.ms, 50),
    p99: pct(early.ms, 99),
    unit: "ms",
    samples: early.ms.length,
    recordBytes,
  });

  // Fill to RECORDS in bulk (the daemon would take weeks to write them one by one).
  const fillFrom = early.ms.length;
  store.close();
  {
    const raw = new DatabaseSync(join(dir, "keel.db"));
    const ins = raw.prepare("INSERT INTO decisions (id, started_at, outcome, record) VALUES (?, ?, ?, ?)");
    for (let i = fillFrom; i < RECORDS; i += 5_000) {
      inTransaction(raw, () => {
        for (let j = i; j < Math.min(RECORDS, i + 5_000); j++) {
          const r = tick(j);
          ins.run(
            r.id,
            r.startedAt,
            r.outcome,
            JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
          );
        }
      });
    }
    raw.close();
  }
  now = T0 + RECORDS * CADENCE_MS;
  const t0 = performance.now();
  store = openStore({ dir, retentionDays: 3_650, now: () => now });
  line({
    bench: "journal.open",
    records: RECORDS,
    value: Math.round(performance.now() - t0),
    unit: "ms",
    fileBytes: statSync(join(dir, "keel.db")).size,
    note: "includes PRAGMA quick_check",
  });

  const late = await appends(RECORDS, APPENDS);
  line({
    bench: "journal.append",
    records: RECORDS,
    p50: pct(late.ms, 50),
    p99: pct(late.ms, 99),
    unit: "ms",
    samples: late.ms.length,
    recordBytes,
  });
  line({
    bench: "journal.checkpoint",
    records: RECORDS,
    p50: pct(late.checkpointMs, 50),
    p99: pct(late.checkpointMs, 99),
    unit: "ms",
    samples: late.checkpointMs.length,
    note: "after each tick, outside the write-ahead append",
  });
  line({
    bench: "journal.append_bytes_written",
    records: RECORDS,
    p50: pct(late.bytes, 50),
    p99: pct(late.bytes, 99),
    atThousand: pct(early.bytes, 50),
    unit: "bytes",
    note: "write(2) bytes per append (the WAL frames; checkpoints run after the tick)",
  });

  const total = RECORDS + APPENDS;
  const ids = Array.from({ length: LOOKUPS }, (_v, k) => tick(Math.floor((k * 7_919) % total)).id);
  const getMs: number[] = [];
  for (const id of ids) {
    const t = performance.now();
    if (!(await store.journal.get(id))) throw new Error(`missing ${id}`);
    getMs.push(performance.now() - t);
  }
  line({
    bench: "journal.explain.daemon",
    records: total,
    p50: pct(getMs, 50),
    p99: pct(getMs, 99),
    unit: "ms",
    samples: LOOKUPS,
    note: "GET /api/v1/decisions/:id → journal.get",
  });

  const cliMs: number[] = [];
  for (const id of ids.slice(0, 200)) {
    const t = performance.now();
    const reader = openJournalReader(dir);
    const found = reader.get(id);
    reader.close();
    if (!found) throw new Error(`missing ${id}`);
    cliMs.push(performance.now() - t);
  }
  line({
    bench: "journal.explain.cli",
    records: total,
    p50: pct(cliMs, 50),
    p99: pct(cliMs, 99),
    unit: "ms",
    samples: cliMs.length,
    note: "keel explain without a daemon: open the store read-only, look up, close",
  });

  const recentMs: number[] = [];
  for (let k = 0; k < 200; k++) {
    const t = performance.now();
    await store.journal.recent(20);
    recentMs.push(performance.now() - t);
  }
  line({
    bench: "journal.recent20",
    records: total,
    p50: pct(recentMs, 50),
    p99: pct(recentMs, 99),
    unit: "ms",
    samples: recentMs.length,
    note: "GET /api/v1/decisions",
  });
  store.close();

  // keel report over the whole journal (read by time from the index, then built and rendered).
  const t1 = performance.now();
  const reader = openJournalReader(dir);
  const records = reader.since(0);
  reader.close();
  const readMs = performance.now() - t1;
  const html = renderReport(reportFromDecisions(records, { baseSymbol: "USDC", decimals: 6, now: Date.now() }));
  line({
    bench: "journal.report",
    records: records.length,
    value: Math.round(performance.now() - t1),
    readMs: Math.round(readMs),
    unit: "ms",
    htmlBytes: html.length,
    rssBytes: process.memoryUsage().rss,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
