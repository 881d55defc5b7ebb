import type { DecisionRecord, StageName, StageRecord } from "../domain/decision.ts";
import type { TickObserver } from "../pipeline/runTick.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";

/** Halt codes that are ordinary answers of a healthy keeper, not a halt to alert on. */
export const ROUTINE_NO: ReadonlySet<string> = new Set([
  "STAY",
  "NO_MOVES",
  "COOLDOWN",
  "DAILY_CAP",
  "FEE_CAP",
  "GAIN_BELOW_COST",
  "MOVE_LIMIT",
]);

/** Turns stage records and decisions into metrics and one info line per decision. */
export function createTickObserver(deps: { metrics: Metrics; logger: Logger }): TickObserver & {
  onDecision(record: DecisionRecord): void;
} {
  const { metrics } = deps;
  const log = deps.logger.child({ module: "decision" });
  let shortBefore = "";
  return {
    onStage(stage: StageName, record: StageRecord) {
      metrics.stageDuration.observe({ stage }, record.durationMs / 1000);
    },
    onDecision(r: DecisionRecord) {
      metrics.ticks.inc({ outcome: r.outcome });
      metrics.lastTick.set(Date.now() / 1000);
      for (const h of r.haltReasons) metrics.haltReasons.inc({ code: h.code });
      // keel_paused belongs to the kill-switch watcher (it reads the chain every poll); ticks only add to halted.
      // Halted: not acting for a reason that needs a look (kill-switch, bad data, risk trigger, failure);
      // the routine economic "no"s (stay, cool-down, gain below cost…) are not a halt.
      const stopped = r.outcome === "failed" || r.haltReasons.some((h) => !ROUTINE_NO.has(h.code));
      metrics.halted.set(stopped ? 1 : 0);
      const { snapshot, forecast, verdict, allocation } = r.detail;
      if (snapshot && allocation) {
        const total = Number(snapshot.totalAssets);
        if (total > 0) {
          metrics.allocationWeight.set({ source: "idle" }, Number(snapshot.idle) / total);
          for (const [id, bal] of Object.entries(allocation))
            metrics.allocationWeight.set({ source: id }, Number(bal) / total);
        }
      }
      for (const [id, apr] of Object.entries(r.detail.rates ?? {})) metrics.sourceApr.set({ source: id }, apr);
      if (forecast) {
        metrics.modelFallback.set(forecast.fallbackReason ? 1 : 0);
        // Sources still too young for the model: one warning when the set changes, a gauge every tick.
        const short = (r.stages.find((s) => s.stage === "predict")?.reasons ?? []).filter(
          (x) => x.code === "HISTORY_SHORT",
        );
        metrics.shortHistorySources.set(short.length);
        const key = short.map((x) => x.sourceId).join(",");
        if (key !== shortBefore) {
          const sources = Object.fromEntries(short.map((x) => [x.sourceId, { days: x.value, needDays: x.limit }]));
          if (short.length > 0)
            log.warn({ sources }, "sources forecast by the baseline until their history is long enough");
          else if (shortBefore !== "") log.info({}, "every source has the history the model needs");
          shortBefore = key;
        }
        for (const f of Object.values(forecast.sources)) {
          metrics.forecastApr.set({ source: f.sourceId, quantile: "p10" }, f.p10);
          metrics.forecastApr.set({ source: f.sourceId, quantile: "p50" }, f.p50);
          metrics.forecastApr.set({ source: f.sourceId, quantile: "p90" }, f.p90);
        }
      }
      if (verdict) {
        for (const [name, value] of Object.entries(verdict.metrics)) metrics.riskMetric.set({ name }, value);
        for (const t of verdict.triggers) metrics.riskTriggers.inc({ code: t.code });
      }
      const reasons = r.haltReasons.map((h) => h.code);
      const action = r.detail.action;
      log.info(
        {
          decision: r.id,
          outcome: r.outcome,
          block: r.block,
          trigger: r.trigger,
          ...(reasons.length > 0 ? { reasons } : {}),
          ...(action ? { route: action.route, tx: action.txHashes } : {}),
          ms: r.stages.reduce((a, s) => a + s.durationMs, 0),
        },
        "decision",
      );
    },
  };
}
