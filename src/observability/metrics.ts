import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Every metric keel exports, as one typed object (names carry their units). */
export interface Metrics {
  readonly registry: Registry;
  readonly ticks: Counter<"outcome">;
  readonly tickSkipped: Counter;
  readonly tickFailures: Counter<"code">;
  readonly stageDuration: Histogram<"stage">;
  readonly halted: Gauge;
  readonly paused: Gauge;
  readonly lastTick: Gauge;
  readonly info: Gauge<"version" | "config_hash" | "chain_id">;
  /** Decisions that did not act, by their headline (most severe) reason code. */
  readonly haltReasons: Counter<"code">;
  readonly riskTriggers: Counter<"code">;
  readonly allocationWeight: Gauge<"source">;
  /** Absent until a tick has observed the vault. */
  readonly vaultTotalAssets: Gauge<"asset">;
  readonly forecastApr: Gauge<"source" | "quantile">;
  /** Observed APR per source at the last snapshot (forecast vs realised on the Grafana dashboard). */
  readonly sourceApr: Gauge<"source">;
  readonly riskMetric: Gauge<"name">;
  readonly modelFallback: Gauge;
  readonly oracleStale: Gauge<"symbol">;
  readonly protocolChange: Gauge<"source" | "kind">;
  /** Absent until a tick has read it, and without a keeper (dry run). */
  readonly keeperBalance: Gauge<"address">;
  readonly gasSpent: Counter;
  readonly intents: Counter<"state">;
  readonly pendingIntents: Gauge;
  readonly oldestPendingIntentBlocks: Gauge;
  readonly pendingProposals: Gauge;
  readonly bundleAttempts: Counter<"result">;
  readonly kmsSign: Histogram;
  readonly rpcRequests: Counter<"method" | "result">;
  readonly rpcDegraded: Gauge;
  readonly rpcBreakerOpen: Gauge<"endpoint">;
  readonly rpcHeadChecks: Counter<"result">;
  /** Cross-checked state reads (eth_call at a block) by result: ok, outvoted (a minority lied), disagree. */
  readonly rpcStateChecks: Counter<"result">;
  /** 1 for the configured execution mode (`shadow` decides only, `live` sends). */
  readonly executionMode: Gauge<"mode">;
  readonly journalWriteFailures: Counter;
  /** Durable journal writes (one WAL commit + fsync each). */
  readonly journalWrite: Histogram;
  /** Sources forecast by the baseline because their history is shorter than the model needs. */
  readonly shortHistorySources: Gauge;
  /** Rolling MAE / persistence's MAE per source and forecaster (the skill ledger). */
  readonly forecastSkillRatio: Gauge<"source" | "forecaster">;
  /** 1 for the forecaster serving each source. */
  readonly forecastServed: Gauge<"source" | "forecaster">;
  /** Share of realised means outside the served (calibrated) band, per source and tail. */
  readonly forecastTailRate: Gauge<"source" | "tail">;
}

/** Creates a fresh registry with default process metrics and keel's own. */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    ticks: new Counter({ name: "keel_ticks_total", help: "Ticks by outcome", labelNames: ["outcome"], registers: r }),
    tickSkipped: new Counter({
      name: "keel_tick_skipped_total",
      help: "Ticks skipped because the previous one was still running",
      registers: r,
    }),
    tickFailures: new Counter({
      name: "keel_tick_failures_total",
      help: "Ticks that failed with an error, by code",
      labelNames: ["code"],
      registers: r,
    }),
    stageDuration: new Histogram({
      name: "keel_stage_duration_seconds",
      help: "Stage latency",
      labelNames: ["stage"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    }),
    halted: new Gauge({
      name: "keel_halted",
      help: "1 when the daemon is not executing (paused or halted)",
      registers: r,
    }),
    paused: new Gauge({ name: "keel_paused", help: "1 when the vault's on-chain kill-switch is pulled", registers: r }),
    lastTick: new Gauge({
      name: "keel_last_tick_timestamp_seconds",
      help: "Unix time of the last finished tick",
      registers: r,
    }),
    info: new Gauge({
      name: "keel_info",
      help: "Build and config identity",
      labelNames: ["version", "config_hash", "chain_id"],
      registers: r,
    }),
    haltReasons: new Counter({
      name: "keel_halt_reasons_total",
      help: "Decisions that did not act, by headline reason code (the most severe reason)",
      labelNames: ["code"],
      registers: r,
    }),
    riskTriggers: new Counter({
      name: "keel_risk_triggers_total",
      help: "Off-chain kill-switch triggers by reason code",
      labelNames: ["code"],
      registers: r,
    }),
    allocationWeight: new Gauge({
      name: "keel_allocation_weight",
      help: "Share of total assets per source (idle included as source=idle)",
      labelNames: ["source"],
      registers: r,
    }),
    vaultTotalAssets: new Gauge({
      name: "keel_vault_total_assets",
      help: "Vault total assets at the last snapshot, in whole units of the base asset",
      labelNames: ["asset"],
      registers: r,
    }),
    forecastApr: new Gauge({
      name: "keel_forecast_apr_pct",
      help: "Forecast mean APR over the horizon, percent",
      labelNames: ["source", "quantile"],
      registers: r,
    }),
    sourceApr: new Gauge({
      name: "keel_source_apr_pct",
      help: "Observed APR per source at the last snapshot, percent",
      labelNames: ["source"],
      registers: r,
    }),
    riskMetric: new Gauge({
      name: "keel_risk_metric_pct",
      help: "Portfolio risk figures (VaR, CVaR, drawdown…), percent",
      labelNames: ["name"],
      registers: r,
    }),
    modelFallback: new Gauge({
      name: "keel_model_fallback",
      help: "1 when predict uses the baseline instead of the model",
      registers: r,
    }),
    oracleStale: new Gauge({
      name: "keel_oracle_stale",
      help: "1 when a price feed was older than its heartbeat at the last risk check (upper-case symbol)",
      labelNames: ["symbol"],
      registers: r,
    }),
    protocolChange: new Gauge({
      name: "keel_protocol_change",
      help: "1 while a pinned source shows a protocol change of this kind at the last risk check (monitor section)",
      labelNames: ["source", "kind"],
      registers: r,
    }),
    keeperBalance: new Gauge({
      name: "keel_keeper_balance_wei",
      help: "Keeper account balance at the last snapshot",
      labelNames: ["address"],
      registers: r,
    }),
    gasSpent: new Counter({
      name: "keel_gas_spent_wei_total",
      help: "Fees the keeper paid for transactions this process saw mined (gas used x effective gas price)",
      registers: r,
    }),
    intents: new Counter({
      name: "keel_intents_total",
      help: "Intent state transitions",
      labelNames: ["state"],
      registers: r,
    }),
    pendingIntents: new Gauge({ name: "keel_pending_intents", help: "Intents not yet final", registers: r }),
    oldestPendingIntentBlocks: new Gauge({
      name: "keel_oldest_pending_intent_blocks",
      help: "Blocks since the decision of the oldest unsettled transaction intent (Safe proposals excluded)",
      registers: r,
    }),
    pendingProposals: new Gauge({
      name: "keel_pending_proposals",
      help: "Safe proposals awaiting signatures",
      registers: r,
    }),
    bundleAttempts: new Counter({
      name: "keel_bundle_attempts_total",
      help: "Bundle submissions by result",
      labelNames: ["result"],
      registers: r,
    }),
    kmsSign: new Histogram({
      name: "keel_kms_sign_seconds",
      help: "KMS signing latency",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    }),
    rpcRequests: new Counter({
      name: "keel_rpc_requests_total",
      help: "JSON-RPC requests by method and result",
      labelNames: ["method", "result"],
      registers: r,
    }),
    rpcDegraded: new Gauge({
      name: "keel_rpc_degraded",
      help: "1 when chain access is degraded (observe only, no new intents)",
      registers: r,
    }),
    rpcBreakerOpen: new Gauge({
      name: "keel_rpc_breaker_open",
      help: "1 while the circuit breaker of an RPC endpoint (rpc#i, never its URL) is open",
      labelNames: ["endpoint"],
      registers: r,
    }),
    rpcHeadChecks: new Counter({
      name: "keel_rpc_head_checks_total",
      help: "Head checks across RPC endpoints by result (ok, stale, stalled, disagree, no_quorum)",
      labelNames: ["result"],
      registers: r,
    }),
    rpcStateChecks: new Counter({
      name: "keel_rpc_state_checks_total",
      help: "State reads (eth_call at a block) cross-checked across RPC endpoints, by result (ok, outvoted, disagree)",
      labelNames: ["result"],
      registers: r,
    }),
    executionMode: new Gauge({
      name: "keel_execution_mode",
      help: "1 for the execution mode in force: shadow (decide only, nothing sent) or live",
      labelNames: ["mode"],
      registers: r,
    }),
    journalWriteFailures: new Counter({
      name: "keel_journal_write_failures_total",
      help: "Journal writes that failed",
      registers: r,
    }),
    shortHistorySources: new Gauge({
      name: "keel_forecast_short_history_sources",
      help: "Sources forecast by the baseline because their market history is shorter than the model needs",
      registers: r,
    }),
    forecastSkillRatio: new Gauge({
      name: "keel_forecast_skill_ratio",
      help: "Rolling MAE over persistence's MAE on the same realised horizons, per source and forecaster (< 1 beats persistence)",
      labelNames: ["source", "forecaster"],
      registers: r,
    }),
    forecastServed: new Gauge({
      name: "keel_forecast_served",
      help: "1 for the forecaster that serves each source now (chosen by rolling skill)",
      labelNames: ["source", "forecaster"],
      registers: r,
    }),
    forecastTailRate: new Gauge({
      name: "keel_forecast_tail_rate",
      help: "Share of realised means below P10 (tail=below_p10) or above P90 (tail=above_p90) of the served band, rolling",
      labelNames: ["source", "tail"],
      registers: r,
    }),
    journalWrite: new Histogram({
      name: "keel_journal_write_seconds",
      help: "Latency of a durable journal write (one WAL commit, fsync'd)",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: r,
    }),
  };
}
