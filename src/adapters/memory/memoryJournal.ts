import type { DecisionRecord } from "../../domain/decision.ts";
import type { Journal } from "../../ports/journal.ts";

/** An in-memory journal (tests, backtests). */
export function memoryJournal(): Journal {
  const records = new Map<string, DecisionRecord>();
  return {
    async put(r) {
      records.set(r.id, r);
    },
    async get(id) {
      return records.get(id);
    },
    async recent(limit) {
      return [...records.values()].reverse().slice(0, limit);
    },
    async close() {},
  };
}
