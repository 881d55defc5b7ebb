// The report's events from the journal: findings about prices and incidents (repeats collapsed), and interventions
// (forced exits, frozen sources, Safe proposals) when they change.
import type { DecisionRecord } from "../domain/decision.ts";
import type { RecordedReason } from "../domain/reasons.ts";
import { timeOf } from "./forecastOutcomes.ts";
import type { ReportEvent } from "./model.ts";

/** Reason codes about prices: depegs, oracles, pool-vs-oracle deviation. */
const PRICE_CODE = /DEPEG|ORACLE|PEG|PRICE/;
/** Reason codes that are incidents in the protocols we hold (as opposed to our own decisions). */
const INCIDENT_CODE = /EXPLOIT|INCIDENT|DRAIN|SHORTFALL|SHARE_PRICE|TVL_DROP|WITHDRAW/;
function event(
  t: number,
  r: DecisionRecord,
  reason: Pick<RecordedReason, "code" | "message" | "severity" | "sourceId">,
): ReportEvent {
  return {
    t,
    decisionId: r.id,
    code: reason.code,
    message: reason.message,
    severity: reason.severity,
    ...(reason.sourceId === undefined ? {} : { sourceId: reason.sourceId }),
  };
}

function allReasons(r: DecisionRecord): RecordedReason[] {
  const verdict = r.detail.verdict;
  const list: RecordedReason[] = [
    ...r.haltReasons,
    ...r.stages.flatMap((s) => (s.status === "halt" ? [] : (s.reasons ?? []))),
  ];
  if (verdict) list.push(...verdict.reasons, ...verdict.triggers);
  const seen = new Set<string>();
  return list.filter((x) => {
    const key = `${x.code}|${x.sourceId ?? ""}|${x.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Merges a finding repeated on consecutive decisions (same code and source) into one event with a
 * count and the time of the last repeat, so a condition that lasts a day is one row, not a hundred.
 */
function collapser() {
  const events: { -readonly [K in keyof ReportEvent]: ReportEvent[K] }[] = [];
  let open = new Map<string, (typeof events)[number]>();
  let seen = new Map<string, (typeof events)[number]>();
  return {
    events,
    add(e: ReportEvent) {
      const key = `${e.code}|${e.sourceId ?? ""}`;
      if (seen.has(key)) return;
      const prev = open.get(key);
      if (prev) {
        prev.count = (prev.count ?? 1) + 1;
        prev.until = e.t;
        seen.set(key, prev);
      } else {
        const fresh = { ...e, count: 1 };
        events.push(fresh);
        seen.set(key, fresh);
      }
    },
    /** Ends one decision: what it did not repeat is closed. */
    next() {
      open = seen;
      seen = new Map();
    },
  };
}

/** Events when a set (frozen sources, forced exits) changes, not on every tick it stays the same. */
function setChanges(
  records: readonly DecisionRecord[],
  pick: (r: DecisionRecord) => readonly string[] | undefined,
  code: string,
  verb: string,
): ReportEvent[] {
  const out: ReportEvent[] = [];
  let prev = new Set<string>();
  for (const r of records) {
    const cur = pick(r);
    if (cur === undefined) continue;
    const next = new Set(cur);
    for (const id of next) {
      if (!prev.has(id))
        out.push(event(timeOf(r), r, { code, message: `${verb} ${id}`, severity: "warn", sourceId: id }));
    }
    for (const id of prev) {
      if (!next.has(id))
        out.push(
          event(timeOf(r), r, {
            code: `${code}_LIFTED`,
            message: `no longer ${verb.toLowerCase()} ${id}`,
            severity: "info",
            sourceId: id,
          }),
        );
    }
    prev = next;
  }
  return out;
}

/** Price findings and incidents over the decisions (oldest first), each repeat collapsed into one event. */
export function eventTimelines(records: readonly DecisionRecord[]): {
  priceEvents: ReturnType<typeof collapser>;
  incidents: ReturnType<typeof collapser>;
} {
  const priceEvents = collapser();
  const incidents = collapser();
  let wasPaused = false;
  for (const r of records) {
    const t = timeOf(r);
    for (const reason of allReasons(r)) {
      if (PRICE_CODE.test(reason.code)) priceEvents.add(event(t, r, reason));
      else if (INCIDENT_CODE.test(reason.code) && reason.severity !== "info") incidents.add(event(t, r, reason));
    }
    for (const trig of r.detail.verdict?.triggers ?? []) {
      if (!PRICE_CODE.test(trig.code) && !INCIDENT_CODE.test(trig.code))
        incidents.add(event(t, r, { ...trig, severity: "halt" }));
    }
    for (const s of r.stages)
      if (s.error)
        incidents.add(
          event(t, r, { code: s.error.code, message: `${s.stage} failed: ${s.error.message}`, severity: "halt" }),
        );
    const paused = r.detail.snapshot?.paused;
    if (paused !== undefined) {
      if (paused && !wasPaused)
        incidents.add(
          event(t, r, { code: "VAULT_PAUSED", message: "the vault's kill-switch was pulled", severity: "halt" }),
        );
      if (!paused && wasPaused)
        incidents.add(event(t, r, { code: "VAULT_UNPAUSED", message: "the vault was unpaused", severity: "info" }));
      wasPaused = paused;
    }
    priceEvents.next();
    incidents.next();
  }
  return { priceEvents, incidents };
}

/** The price findings of the latest decision with a risk verdict (none without one). */
export function currentPriceEvents(latestWithVerdict: DecisionRecord | undefined): ReportEvent[] {
  return latestWithVerdict
    ? allReasons(latestWithVerdict)
        .filter((x) => PRICE_CODE.test(x.code))
        .map((x) => event(timeOf(latestWithVerdict), latestWithVerdict, x))
    : [];
}

/** Forced exits and frozen sources when they change, and changes sent to the Safe, in time order. */
export function interventionEvents(records: readonly DecisionRecord[]): ReportEvent[] {
  return [
    ...setChanges(records, (r) => r.detail.verdict?.forcedExits, "FORCED_EXIT", "Forced exit from"),
    ...setChanges(records, (r) => r.detail.verdict?.frozen, "FROZEN", "Frozen"),
    ...records
      .filter((r) => r.detail.action?.route === "safe")
      .map((r) =>
        event(timeOf(r), r, {
          code: "SAFE_PROPOSAL",
          message: "change sent to the Safe for human approval",
          severity: "info",
        }),
      ),
  ].sort((a, b) => a.t - b.t);
}
