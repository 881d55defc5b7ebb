import type { RiskVerdict, SourceRisk } from "../../domain/decision.ts";
import type { Reason } from "../../domain/reasons.ts";

interface CapEntry {
  cap: number;
  /** Code of the rule that set the current cap. */
  rule: string;
  message: string;
}

/**
 * Collects what the rules decide about one tick: caps (the lowest proposal wins and remembers which
 * rule bound), frozen sources, forced exits, kill-switch triggers, stage halts and metrics.
 */
export class VerdictBuilder {
  readonly reasons: Reason[] = [];
  readonly triggers: Reason[] = [];
  readonly halts: Reason[] = [];
  readonly metrics: Record<string, number> = {};
  readonly sourceRisk: Record<string, SourceRisk> = {};
  private readonly caps = new Map<string, CapEntry>();
  private readonly frozenSet = new Set<string>();
  private readonly exitSet = new Set<string>();
  private readonly maxWeight: number;

  constructor(sourceIds: readonly string[], maxWeight: number) {
    this.maxWeight = maxWeight;
    for (const id of sourceIds) {
      this.caps.set(id, { cap: maxWeight, rule: "MAX_WEIGHT", message: "per-source maximum weight" });
    }
  }

  /** Proposes a cap for a source; it binds only when lower than the current one. */
  capAt(sourceId: string, cap: number, rule: string, message: string): void {
    const entry = this.caps.get(sourceId);
    const bounded = Math.max(0, Math.min(1, Number.isFinite(cap) ? cap : 0));
    if (entry && bounded < entry.cap) this.caps.set(sourceId, { cap: bounded, rule, message });
  }

  /** No new deposits into the source; the reason says why. */
  freeze(sourceId: string, why: Reason): void {
    this.frozenSet.add(sourceId);
    this.reasons.push(why);
  }

  /** The source must be exited this tick (implies frozen). */
  exit(sourceId: string, why: Reason): void {
    this.frozenSet.add(sourceId);
    this.exitSet.add(sourceId);
    this.reasons.push(why);
  }

  /** An off-chain kill-switch trigger (severity `halt`). */
  trigger(why: Reason): void {
    this.triggers.push(why);
  }

  /** The tick must stop (stale or missing data). */
  halt(why: Reason): void {
    this.halts.push(why);
  }

  /** A reason that shapes or explains the answer without changing it. */
  note(why: Reason): void {
    this.reasons.push(why);
  }

  /** Merges per-source risk detail. */
  detail(sourceId: string, part: Partial<SourceRisk>): void {
    this.sourceRisk[sourceId] = { ...this.sourceRisk[sourceId], ...part };
  }

  /**
   * The verdict. Frozen sources keep a cap no higher than their current weight (so an optimizer that
   * only reads caps still cannot add to them); exited sources get no cap. One `CAP_BOUND` reason per
   * source says which rule bound its cap and by how much it is below the maximum weight.
   */
  build(minIdleWeight: number, currentWeights: Readonly<Record<string, number>>): RiskVerdict {
    const caps: Record<string, number> = {};
    const capReasons: Reason[] = [];
    for (const [id, entry] of this.caps) {
      if (this.exitSet.has(id)) continue;
      let cap = entry.cap;
      if (this.frozenSet.has(id)) cap = Math.min(cap, currentWeights[id] ?? 0);
      caps[id] = cap;
      if (entry.rule !== "MAX_WEIGHT") {
        capReasons.push({
          code: "CAP_BOUND",
          message: `cap of ${id} is ${pct(entry.cap)} (set by ${entry.rule}: ${entry.message}), ${pct(this.maxWeight - entry.cap)} below the maximum weight`,
          sourceId: id,
          value: entry.cap,
          limit: this.maxWeight,
          severity: "info",
        });
      }
    }
    const verdict: RiskVerdict = {
      caps,
      frozen: [...this.frozenSet].sort(),
      forcedExits: [...this.exitSet].sort(),
      minIdleWeight,
      triggers: [...this.triggers],
      metrics: { ...this.metrics },
      reasons: [...this.reasons, ...capReasons, ...this.triggers],
    };
    return Object.keys(this.sourceRisk).length > 0 ? { ...verdict, sourceRisk: { ...this.sourceRisk } } : verdict;
  }
}

/** A weight as a percentage string for messages. */
export function pct(weight: number): string {
  return `${(weight * 100).toFixed(2)} %`;
}
