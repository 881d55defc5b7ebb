import type { DatabaseSync } from "node:sqlite";
import { KeelError } from "../../domain/errors.ts";
import type { SkillEntry } from "../../domain/skill.ts";
import type { SkillLedgerStore } from "../../ports/skillLedger.ts";
import { inTransaction } from "./database.ts";

/**
 * The forecast skill ledger in the store (table `skill`, created on first use in a store of an earlier
 * version): one row per (source, forecaster, origin), the entry as JSON.
 */
export function sqliteSkillStore(db: DatabaseSync): SkillLedgerStore {
  db.exec(
    `CREATE TABLE IF NOT EXISTS skill (
       source TEXT NOT NULL, forecaster TEXT NOT NULL, t INTEGER NOT NULL, entry TEXT NOT NULL,
       PRIMARY KEY (source, forecaster, t)
     ) WITHOUT ROWID`,
  );
  const upsert = db.prepare(
    `INSERT INTO skill (source, forecaster, t, entry) VALUES (?, ?, ?, ?)
     ON CONFLICT (source, forecaster, t) DO UPDATE SET entry = excluded.entry`,
  );
  const remove = db.prepare("DELETE FROM skill WHERE t < ?");
  const all = db.prepare("SELECT entry FROM skill");
  const failed = (err: unknown) =>
    new KeelError("SKILL_WRITE_FAILED", `could not write the skill ledger: ${(err as Error).message}`, {
      retryable: true,
      cause: err,
    });
  return {
    load: () => (all.all() as { entry: string }[]).map((r) => JSON.parse(r.entry) as SkillEntry),
    put(entries) {
      try {
        inTransaction(db, () => {
          for (const e of entries) upsert.run(e.sourceId, e.forecaster, e.t, JSON.stringify(e));
        });
      } catch (err) {
        throw failed(err);
      }
    },
    prune(before) {
      try {
        remove.run(before);
      } catch (err) {
        throw failed(err);
      }
    },
  };
}
