import type { SkillEntry } from "../domain/skill.ts";

/**
 * Where the forecast skill ledger keeps its entries across restarts (the SQLite store live; memory in
 * backtests and evaluations). Entries are keyed by (sourceId, forecaster, t).
 */
export interface SkillLedgerStore {
  /** Every entry kept, any order. */
  load(): SkillEntry[];
  /** Inserts or replaces entries (a scored entry replaces its unscored self). */
  put(entries: readonly SkillEntry[]): void;
  /** Deletes entries made before `t` (unix seconds). */
  prune(before: number): void;
}
