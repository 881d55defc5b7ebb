import { KeelError } from "../../domain/errors.ts";
import { canTransition, type IntentRecord, TERMINAL_STATES } from "./intentRecord.ts";
import type { IntentStore } from "./intentStore.ts";

/** An in-memory intent store with the same state machine (tests and tools; not crash-safe). */
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
      if (!cur) throw new KeelError("INTENT_UNKNOWN", `no intent ${id} in the store`, { context: { intentId: id } });
      if (!canTransition(cur.state, to)) {
        throw new KeelError("INTENT_BAD_TRANSITION", `intent ${id} cannot go from ${cur.state} to ${to}`, {
          context: { intentId: id, from: cur.state, to },
        });
      }
      const next: IntentRecord = { ...cur, ...patch, id, state: to, updatedAt: now() };
      rows.set(id, next);
      return next;
    },
  };
}
