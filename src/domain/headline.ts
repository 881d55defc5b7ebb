import { type CodeClass, catalogueRank, lookupCode, type Severity, severityRank } from "./codes.ts";
import type { DecisionRecord } from "./decision.ts";
import type { RecordedReason } from "./reasons.ts";

/** One reason of a decision with its catalogued severity and class. */
export interface RankedReason {
  readonly reason: RecordedReason;
  readonly severity: Severity;
  readonly class: CodeClass;
}

/** A decision that did not act counts as halted (keel_halted, `keel status`) from this severity up. */
export const HALTED_FROM: Severity = "freeze";

const OWN_SEVERITY: Readonly<Record<RecordedReason["severity"], Severity>> = {
  info: "info",
  warn: "warn",
  halt: "halt",
};
const OWN_RANK: Readonly<Record<RecordedReason["severity"], number>> = { info: 0, warn: 1, halt: 2 };

/** A reason ranked by the catalogue; a code the catalogue does not know keeps its own severity. */
export function rankReason(reason: RecordedReason, fallbackClass: CodeClass = "reason"): RankedReason {
  const entry = lookupCode(reason.code);
  return entry
    ? { reason, severity: entry.severity, class: entry.class }
    : { reason, severity: OWN_SEVERITY[reason.severity], class: fallbackClass };
}

/**
 * Every reason of a decision — its halt reasons, the notes of the stages that went on, and stage
 * errors — most severe first (ties: the reason's own severity, then the catalogue's order, then the order
 * they were recorded in).
 */
export function rankedReasons(record: Pick<DecisionRecord, "haltReasons" | "stages">): RankedReason[] {
  const ranked: RankedReason[] = [
    ...record.haltReasons.map((r) => rankReason(r, "halt")),
    ...record.stages.filter((s) => s.status !== "halt").flatMap((s) => (s.reasons ?? []).map((r) => rankReason(r))),
    ...record.stages.flatMap((s) =>
      s.error
        ? [
            {
              reason: {
                code: s.error.code,
                message: `${s.stage} failed: ${s.error.message}`,
                severity: "halt" as const,
              },
              severity: lookupCode(s.error.code)?.severity ?? ("error" as const),
              class: "error" as const,
            },
          ]
        : [],
    ),
  ];
  return ranked
    .map((x, i) => ({ x, i }))
    .sort(
      (a, b) =>
        severityRank(b.x.severity) - severityRank(a.x.severity) ||
        OWN_RANK[b.x.reason.severity] - OWN_RANK[a.x.reason.severity] ||
        catalogueRank(a.x.reason.code) - catalogueRank(b.x.reason.code) ||
        a.i - b.i,
    )
    .map(({ x }) => x);
}

/** A decision's headline: its most severe reason, or undefined when it has none. */
export function headlineOf(record: Pick<DecisionRecord, "haltReasons" | "stages">): RankedReason | undefined {
  return rankedReasons(record)[0];
}

/**
 * True when a decision did not act for something that needs a look: it failed, or it halted and its
 * headline is a freeze or worse (a depeg stop, stale data, a trigger…). An ordinary economic "no"
 * (stay, cool-down, gain below cost) or a Safe proposal waiting for signers is not a halt.
 */
export function isHalted(record: Pick<DecisionRecord, "outcome" | "haltReasons" | "stages">): boolean {
  if (record.outcome === "failed") return true;
  if (record.outcome !== "halted") return false;
  const top = headlineOf(record);
  return top !== undefined && severityRank(top.severity) >= severityRank(HALTED_FROM);
}
