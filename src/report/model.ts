import type { NearMiss, WouldHave } from "../domain/shadow.ts";
import type { Point } from "./stats.ts";

/** The per-strategy metrics of `keel backtest --json`, in the order the report shows them. */
export { METRIC_KEYS as BACKTEST_METRIC_KEYS } from "../backtest/metrics.ts";

/** One row of the forecast-vs-realised table: a forecast made at `t` and what followed. */
export interface ForecastOutcome {
  readonly t: number;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  /** Mean observed APR over (t, t + horizon]; null when nothing was observed yet. */
  readonly realised: number | null;
  /** True when observations cover the whole horizon. */
  readonly complete: boolean;
}

/** An event an LP should know about: a risk trigger, a halt for risk, a failure, a pause. */
export interface ReportEvent {
  readonly t: number;
  readonly decisionId?: string;
  readonly code: string;
  readonly message: string;
  readonly severity: "info" | "warn" | "halt";
  readonly sourceId?: string;
  /** How many consecutive decisions reported it (1 when absent), and the time of the last one. */
  readonly count?: number;
  readonly until?: number;
}

/** Everything the HTML report shows; built from the live journal or a backtest JSON. */
export interface ReportData {
  readonly title: string;
  /** Unix milliseconds. */
  readonly generatedAt: number;
  readonly origin: { readonly kind: "journal" | "backtest"; readonly description: string };
  /** Unix seconds. */
  readonly period: { readonly start: number; readonly end: number } | null;
  readonly baseSymbol: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Weights (0..1) by source over time, idle included as `idle`. */
  readonly allocation: readonly { readonly t: number; readonly weights: Readonly<Record<string, number>> }[];
  /** Vault value over time (total assets in whole units, or equity in USD for a backtest). */
  readonly equity: readonly Point[];
  readonly equityLabel: string;
  readonly forecasts: readonly {
    readonly sourceId: string;
    readonly horizonDays: number;
    readonly rows: readonly ForecastOutcome[];
  }[];
  readonly risk: {
    /** The risk gate's latest figures (% of assets over the horizon), by name. */
    readonly latest: Readonly<Record<string, number>>;
    /** The same figures over time. */
    readonly series: Readonly<Record<string, readonly Point[]>>;
    /** Historical VaR/CVaR (95 %) of the per-step returns of `equity`, in %. */
    readonly historical: { readonly varPct: number; readonly cvarPct: number; readonly steps: number } | null;
    readonly maxDrawdownPct: number;
    readonly drawdown: readonly Point[];
  };
  readonly il: readonly {
    readonly sourceId: string;
    readonly weight: number;
    readonly priceVolPct: number;
    readonly expectedPct: number;
    readonly stressPct: number;
  }[];
  /** Latest depeg / oracle findings (reasons whose code concerns prices), and their history. */
  readonly depegOracle: { readonly current: readonly ReportEvent[]; readonly history: readonly ReportEvent[] };
  readonly incidents: readonly ReportEvent[];
  readonly interventions: readonly ReportEvent[];
  readonly gas: {
    readonly rebalances: number;
    readonly totalUsd: number;
    readonly totalGasUnits: number;
    readonly meanUsdPerRebalance: number | null;
    readonly series: readonly Point[];
  };
  readonly outcomes: Readonly<Record<string, number>>;
  /** Backtest metrics table by strategy (`net_apy_pct`, `sharpe`, …), when built from a backtest. */
  readonly strategies?: Readonly<Record<string, Readonly<Record<string, number | null>>>>;
  /** From the journal: shadow decisions (what would have been sent) and near-misses, newest first (at most 300 each). */
  readonly shadow?: {
    readonly shadowDecisions: number;
    readonly wouldHave: readonly WouldHave[];
    readonly nearMisses: readonly NearMiss[];
  };
  /** Sections without data, with why (shown in the report rather than silently left out). */
  readonly notes: readonly string[];
}
