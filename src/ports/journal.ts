import type { DecisionRecord } from "../domain/decision.ts";

/** Durable decision journal. `put` is durable (fsync) when it resolves. */
export interface Journal {
  /** Inserts or replaces the record with this id. */
  put(record: DecisionRecord): Promise<void>;
  get(id: string): Promise<DecisionRecord | undefined>;
  /** Most recent first. */
  recent(limit: number): Promise<DecisionRecord[]>;
  close(): Promise<void>;
}
