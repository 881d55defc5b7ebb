import type { DecisionRecord, StageName } from "./decision.ts";
import type { RecordedReason } from "./reasons.ts";

/** A halt by one threshold counts as a near-miss when its measure is within this share of its limit (25 %). */
export const NEAR_MISS_MARGIN = 0.25;

/** Reasons on a decision that moved (or would have) saying a bound cut its plan short. */
const CAP_CODES: ReadonlySet<string> = new Set([
  "MOVE_LIMIT",
  "POLICY_CLIPPED",
  "VAR_BREACH",
  "CVAR_BREACH",
  "EVAR_BREACH",
]);

/** A decision taken in shadow mode: what it would have sent. */
export interface WouldHave {
  readonly decisionId: string;
  readonly startedAt: number;
  readonly block: number | null;
  /** The route it would have taken (`direct`, `bundle`, `safe`), when known. */
  readonly route?: string;
  readonly moves: readonly { sourceId: string; direction: string; amount: string }[];
  readonly gainP10Usd?: number;
  readonly costUsd?: number;
  readonly gainToCost?: number;
}

/**
 * A move blocked (or cut short) by a single bound or threshold: `threshold` — the one halt reason's measure
 * was within NEAR_MISS_MARGIN of its limit (a gain/cost ratio just under k, a cool-down nearly over);
 * `bound` — a plan with moves was stopped by one reason alone (a simulation revert, a head check);
 * `cap` — the decision moved (or would have) but a cap or risk limit cut its plan.
 */
export interface NearMiss {
  readonly decisionId: string;
  readonly startedAt: number;
  readonly block: number | null;
  readonly kind: "threshold" | "bound" | "cap";
  readonly stage?: StageName;
  readonly code: string;
  readonly message: string;
  readonly value?: number;
  readonly limit?: number;
  readonly sourceId?: string;
}

/** The shadow decisions among `records` (newest first as given): what each would have sent. */
export function wouldHaveSent(records: readonly DecisionRecord[]): WouldHave[] {
  return records
    .filter((r) => r.detail.action?.route === "shadow")
    .map((r) => ({
      decisionId: r.id,
      startedAt: r.startedAt,
      block: r.block,
      ...(r.detail.action?.wouldRoute === undefined ? {} : { route: r.detail.action.wouldRoute }),
      moves: r.detail.plan?.moves ?? [],
      ...(r.detail.plan ? { gainP10Usd: r.detail.plan.gainP10Usd } : {}),
      ...(r.detail.gas ? { costUsd: r.detail.gas.costUsd, gainToCost: r.detail.gas.gainToCost } : {}),
    }));
}

function closeToLimit(x: RecordedReason): boolean {
  if (x.value === undefined || x.limit === undefined) return false;
  if (!Number.isFinite(x.value) || !Number.isFinite(x.limit)) return false;
  return Math.abs(x.value - x.limit) <= NEAR_MISS_MARGIN * Math.abs(x.limit);
}

/** Whether one decision is a near-miss (see `NearMiss`), and which. */
export function nearMissOf(r: DecisionRecord): NearMiss | undefined {
  const base = { decisionId: r.id, startedAt: r.startedAt, block: r.block };
  const planned = (r.detail.plan?.moves.length ?? 0) > 0;
  if (r.outcome === "halted") {
    const blocking = r.haltReasons.filter((x) => x.severity === "halt");
    const one = blocking[0];
    if (blocking.length !== 1 || !one) return undefined;
    // A measured "no" counts only near its limit; an unmeasured one only when it alone stood before a plan.
    const measured = one.value !== undefined && one.limit !== undefined;
    const kind = measured ? (closeToLimit(one) ? "threshold" : undefined) : planned ? "bound" : undefined;
    if (!kind) return undefined;
    const stage = r.stages.find((s) => s.status === "halt")?.stage;
    return {
      ...base,
      kind,
      ...(stage ? { stage } : {}),
      code: one.code,
      message: one.message,
      ...(one.value === undefined ? {} : { value: one.value }),
      ...(one.limit === undefined ? {} : { limit: one.limit }),
      ...(one.sourceId === undefined ? {} : { sourceId: one.sourceId }),
    };
  }
  if (r.outcome !== "executed" || !planned) return undefined;
  for (const s of r.stages) {
    const cap = (s.reasons ?? []).find((x) => CAP_CODES.has(x.code));
    if (cap)
      return {
        ...base,
        kind: "cap",
        stage: s.stage,
        code: cap.code,
        message: cap.message,
        ...(cap.value === undefined ? {} : { value: cap.value }),
        ...(cap.limit === undefined ? {} : { limit: cap.limit }),
        ...(cap.sourceId === undefined ? {} : { sourceId: cap.sourceId }),
      };
  }
  return undefined;
}

/** The near-misses among `records`, in their order. */
export function nearMisses(records: readonly DecisionRecord[]): NearMiss[] {
  return records.flatMap((r) => {
    const m = nearMissOf(r);
    return m ? [m] : [];
  });
}
