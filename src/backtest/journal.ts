import type { DecisionRecord } from "../domain/decision.ts";
import type { Journal } from "../ports/journal.ts";

/** An in-memory journal (the backtest's decision log), insertion-ordered, replacing by id. */
export function memoryJournal(): Journal & { all(): DecisionRecord[] } {
  const records = new Map<string, DecisionRecord>();
  return {
    async put(record) {
      records.set(record.id, record);
    },
    async get(id) {
      return records.get(id);
    },
    async recent(limit) {
      return [...records.values()].reverse().slice(0, limit);
    },
    async close() {},
    all() {
      return [...records.values()];
    },
  };
}
