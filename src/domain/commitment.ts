import { createHash } from "node:crypto";
import type { Snapshot } from "./snapshot.ts";

/**
 * What a rebalance was decided on, as the journal records it: the snapshot the stages saw, the model that
 * forecast (its SHA-256, or a baseline's name) and the config. Each rebalance carries it on-chain in its
 * `Rebalanced` event, so anyone can audit a move against the journal (`keel explain`).
 */
export interface DecisionCommitment {
  readonly snapshotHash: string;
  readonly modelHash: string;
  readonly configHash: string;
}

/** JSON with sorted keys and bigints as decimal strings, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === "bigint") return v.toString();
    return v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v;
  });
}

/** SHA-256 (hex) of the snapshot's canonical JSON. */
export function snapshotHash(snapshot: Snapshot): string {
  return createHash("sha256").update(canonicalJson(snapshot)).digest("hex");
}
