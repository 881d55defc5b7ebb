import type { IntentRecord } from "../domain/intent.ts";
import type { IntentStore } from "../ports/intentStore.ts";
import { applyTransition, TERMINAL_STATES, unknownIntent } from "./intentStates.ts";

/** An in-memory intent store with the same state machine (tests, backtests and tools; not crash-safe). */
export function openMemoryIntentStore(now: () => number = Date.now): IntentStore {
  const rows = new Map<string, IntentRecord>();
  return {
    path: ":memory:",
    openStatus: "loaded",
    quarantinedTo: undefined,
    get: (id) => rows.get(id),
    list: (filter) => [...rows.values()].filter((r) => (filter ? filter(r) : true)),
    unfinished: () => [...rows.values()].filter((r) => !TERMINAL_STATES.has(r.state)),
    flush: async () => undefined,
    async create(record) {
      const existing = rows.get(record.id);
      if (existing) return existing;
      const full: IntentRecord = { ...record, state: "planned", txs: [], createdAt: now(), updatedAt: now() };
      rows.set(full.id, full);
      return full;
    },
    async transition(id, to, patch = {}) {
      const cur = rows.get(id);
      if (!cur) throw unknownIntent(id);
      const next = applyTransition(cur, to, patch, now());
      rows.set(id, next);
      return next;
    },
  };
}
