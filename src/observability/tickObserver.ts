import { toFloat } from "../domain/amounts.ts";
import type { DecisionRecord, StageName, StageRecord } from "../domain/decision.ts";
import { isHalted, type RankedReason, rankedReasons } from "../domain/headline.ts";
import { pinnedKinds, protocolChangeKind, type SourcePins } from "../domain/protocolPins.ts";
import type { TickObserver } from "../pipeline/runTick.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";

/** What the observer needs besides metrics and a logger. */
export interface TickObserverDeps {
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The vault's base asset (keel_vault_total_assets is in its whole units); no gauge without it. */
  readonly baseAsset?: { readonly symbol: string; readonly decimals: number };
  /** The keeper's address; without one (a dry run with no keeper) keel_keeper_balance_wei is not exported. */
  readonly keeper?: string;
  /** Symbols of the configured price feeds: each gets keel_oracle_stale once the risk gate has judged it. */
  readonly oracleSymbols?: readonly string[];
  /** Pinned sources: each kind their pins can show gets keel_protocol_change, 0 from the start. */
  readonly monitored?: readonly SourcePins[];
}

/**
 * keel_protocol_change by source and kind: every pinned kind starts at 0; a change seen adds its own series.
 * Returns the setter for the kinds changed at the last risk check ("source|kind").
 */
function protocolChangeGauges(
  metrics: Metrics,
  monitored: readonly SourcePins[],
): (changed: ReadonlySet<string>) => void {
  const watched = new Set(monitored.flatMap((p) => pinnedKinds(p).map((k) => `${p.source}|${k}`)));
  const set = (changed: ReadonlySet<string>) => {
    for (const key of changed) watched.add(key);
    for (const key of watched) {
      const [source = "", kind = ""] = key.split("|");
      metrics.protocolChange.set({ source, kind }, changed.has(key) ? 1 : 0);
    }
  };
  set(new Set());
  return set;
}

/** Allocation weights (idle included) and observed APRs, from a decision's snapshot. */
function allocationGauges(metrics: Metrics, r: DecisionRecord): void {
  const { allocation, snapshot } = r.detail;
  if (snapshot && allocation) {
    const total = Number(snapshot.totalAssets);
    if (total > 0) {
      metrics.allocationWeight.set({ source: "idle" }, Number(snapshot.idle) / total);
      for (const [id, bal] of Object.entries(allocation))
        metrics.allocationWeight.set({ source: id }, Number(bal) / total);
    }
  }
  for (const [id, apr] of Object.entries(r.detail.rates ?? {})) metrics.sourceApr.set({ source: id }, apr);
}

/** The forecast's P10, P50 and P90 per source. */
function forecastGauges(metrics: Metrics, forecast: NonNullable<DecisionRecord["detail"]["forecast"]>): void {
  for (const f of Object.values(forecast.sources)) {
    metrics.forecastApr.set({ source: f.sourceId, quantile: "p10" }, f.p10);
    metrics.forecastApr.set({ source: f.sourceId, quantile: "p50" }, f.p50);
    metrics.forecastApr.set({ source: f.sourceId, quantile: "p90" }, f.p90);
  }
}

/** The context of the one info line per decision: outcome, headline and notable reasons, route, duration. */
function decisionLogContext(r: DecisionRecord, ranked: readonly RankedReason[]) {
  const notable = ranked.filter((x) => x.severity !== "info");
  const reasons = [...new Set(notable.map((x) => x.reason.code))];
  const action = r.detail.action;
  return {
    decision: r.id,
    outcome: r.outcome,
    block: r.block,
    trigger: r.trigger,
    ...(notable[0] ? { reason: notable[0].reason.code } : {}),
    ...(reasons.length > 0 ? { reasons } : {}),
    ...(action ? { route: action.route, tx: action.txHashes } : {}),
    ms: r.stages.reduce((a, s) => a + s.durationMs, 0),
  };
}

/** Turns stage records and decisions into metrics and one info line per decision. */
export function createTickObserver(deps: TickObserverDeps): TickObserver & {
  onDecision(record: DecisionRecord): void;
} {
  const { metrics } = deps;
  const log = deps.logger.child({ module: "decision" });
  const feeds = new Set((deps.oracleSymbols ?? []).map((s) => s.toUpperCase()));
  let shortBefore = "";
  const setProtocolChanges = protocolChangeGauges(metrics, deps.monitored ?? []);

  /** Keeper balance, vault total assets and per-feed staleness, from what this decision observed. */
  function observedGauges(r: DecisionRecord, ranked: readonly RankedReason[]): void {
    const snap = r.detail.snapshot;
    if (snap && deps.baseAsset)
      metrics.vaultTotalAssets.set(
        { asset: deps.baseAsset.symbol },
        toFloat(BigInt(snap.totalAssets), deps.baseAsset.decimals),
      );
    if (snap?.keeperBalanceWei !== undefined && deps.keeper)
      metrics.keeperBalance.set({ address: deps.keeper }, Number(snap.keeperBalanceWei));
    // Only a tick whose risk gate ran has judged the feeds; otherwise the last judgement stands.
    if (!r.stages.some((s) => s.stage === "riskGate" && (s.status === "ok" || s.status === "halt"))) return;
    const stale = new Set(ranked.flatMap((x) => (x.reason.code === "ORACLE_STALE" ? [x.reason.symbol ?? ""] : [])));
    stale.delete("");
    for (const s of stale) feeds.add(s);
    for (const s of feeds) metrics.oracleStale.set({ symbol: s }, stale.has(s) ? 1 : 0);
    const changed = ranked.flatMap(({ reason: x }) => {
      const kind = protocolChangeKind(x.code);
      return kind && x.sourceId ? [`${x.sourceId}|${kind}`] : [];
    });
    setProtocolChanges(new Set(changed));
  }

  return {
    onStage(stage: StageName, record: StageRecord) {
      metrics.stageDuration.observe({ stage }, record.durationMs / 1000);
    },
    onDecision(r: DecisionRecord) {
      metrics.ticks.inc({ outcome: r.outcome });
      metrics.lastTick.set(Date.now() / 1000);
      // The headline is the decision's most severe reason (src/domain/codes.ts): a depeg freeze behind
      // the optimizer's STAY is a DEPEG_STOP, in the counter, keel_halted and the log line alike.
      const ranked = rankedReasons(r);
      const top = ranked[0];
      if (r.outcome === "halted" && top) metrics.haltReasons.inc({ code: top.reason.code });
      // keel_paused belongs to the kill-switch watcher (it reads the chain every poll); ticks only add to halted.
      metrics.halted.set(isHalted(r) ? 1 : 0);
      observedGauges(r, ranked);
      const { forecast, verdict } = r.detail;
      allocationGauges(metrics, r);
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
        forecastGauges(metrics, forecast);
      }
      if (verdict) {
        for (const [name, value] of Object.entries(verdict.metrics)) metrics.riskMetric.set({ name }, value);
        for (const t of verdict.triggers) metrics.riskTriggers.inc({ code: t.code });
      }
      log.info(decisionLogContext(r, ranked), "decision");
    },
  };
}
