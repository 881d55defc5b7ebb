import type { Reason } from "./reasons.ts";
import type { Snapshot } from "./snapshot.ts";

/** Predicted mean APR over the horizon for one source, in %. */
export interface SourceForecast {
  readonly sourceId: string;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  /** Forecast annualised volatility of the underlying's price in % (LPs, non-base assets). */
  readonly priceVolPct?: number;
  /** The forecaster behind this source's forecast (`model`, `linear`, or the baseline's method). */
  readonly forecaster?: string;
  /** The band before conformal calibration, when calibration moved it (P10/P90 above are calibrated). */
  readonly uncalibrated?: { readonly p10: number; readonly p90: number };
}

/** Output of predict. */
export interface Forecast {
  readonly horizonDays: number;
  /** Which forecaster produced it: one name when every source has the same, else `per-source`. */
  readonly forecaster: string;
  /** SHA-256 of the model file when the model ran, else the baseline's name. */
  readonly modelHash: string;
  /** Why the model could not forecast at all (missing, failed), when it could not. */
  readonly fallbackReason?: string;
  readonly sources: Readonly<Record<string, SourceForecast>>;
}

/** Output of riskGate. Weights are fractions of total assets (0..1). */
export interface RiskVerdict {
  /** Sources that may hold capital, with their maximum weight. */
  readonly caps: Readonly<Record<string, number>>;
  /** No new deposits (holding is allowed). */
  readonly frozen: readonly string[];
  /** Must be exited this tick (or proposed for exit). */
  readonly forcedExits: readonly string[];
  /** Minimum share of assets kept idle. */
  readonly minIdleWeight: number;
  /** Off-chain kill-switch triggers that fired (pause the vault when configured). */
  readonly triggers: readonly Reason[];
  /** Portfolio risk figures, in % of total assets over the horizon. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly reasons: readonly Reason[];
  /** Per-source risk detail (expected IL, exit cost, protocol score…), when the gate computed it. */
  readonly sourceRisk?: Readonly<Record<string, SourceRisk>>;
}

/** Per-source risk detail from the risk gate, for the optimizer, `keel explain` and the dashboard. */
export interface SourceRisk {
  /** Expected impermanent loss over the horizon, annualised, in % (LP sources): subtract it from the fee APR. */
  readonly expectedIlAprPct?: number;
  /** Impermanent loss at the gate's confidence level over the horizon, % of the position (negative = loss). */
  readonly tailIlPct?: number;
  /** Cost of exiting our current position now (price impact and fee), bps. */
  readonly exitCostBps?: number;
  /** Share of our position that could leave now, 0..1. */
  readonly exitableShare?: number;
  /** Protocol risk score 0-100 (higher is safer) and its components (0-100 each). */
  readonly score?: number;
  readonly scoreComponents?: Readonly<Record<string, number>>;
  /** Deviation of the source's asset from its peg, in % (negative = below the peg). */
  readonly depegPct?: number;
}

/** A single movement between the idle buffer and a source, base units. */
export interface Move {
  readonly sourceId: string;
  readonly direction: "deposit" | "withdraw";
  readonly amount: bigint;
}

/** Output of optimize. */
export interface Plan {
  /** Target weight per source (the rest is idle). */
  readonly targetWeights: Readonly<Record<string, number>>;
  /** Withdrawals first, then deposits. */
  readonly moves: readonly Move[];
  /** Expected gain over the horizon versus staying, net of slippage, in USD: pessimistic and median. */
  readonly gainP10Usd: number;
  readonly gainP50Usd: number;
  /** Slippage and exit costs counted in the gain, USD. */
  readonly slippageUsd: number;
  /** Requires human approval (Safe route), e.g. a forced exit outside keeper bounds. */
  readonly needsApproval: boolean;
  /** A Uniswap v3 position moved to a new range instead of a rebalance (then `moves` is empty). */
  readonly rerange?: RerangeOrder;
}

/** The keeper's `rerange(tickLower, tickUpper)` of one Uniswap v3 position adapter, with the figures that paid for it. */
export interface RerangeOrder {
  /** The adapter (the source id live). */
  readonly sourceId: string;
  readonly tickLower: number;
  readonly tickUpper: number;
  /** Extra fees less extra impermanent loss of the new range over the horizon, and gas + swap cost, USD. */
  readonly gainUsd: number;
  readonly costUsd: number;
}

/** Output of gasCheck. */
export interface GasVerdict {
  readonly gasUnits: bigint;
  readonly maxFeePerGasWei: bigint;
  readonly maxPriorityFeePerGasWei: bigint;
  /** Expected cost at the current base fee, and the USD value used in the comparison. */
  readonly costWei: bigint;
  readonly costUsd: number;
  /** gainP10Usd / costUsd. */
  readonly gainToCost: number;
}

/** Output of execute. */
export interface Action {
  /** `shadow`: decided in shadow mode, nothing signed or sent (`wouldRoute` says where it would have gone). */
  readonly route: "direct" | "bundle" | "safe" | "dry-run" | "shadow";
  readonly intentId: string;
  readonly txHashes: readonly string[];
  readonly status: "sent" | "included" | "proposed" | "recorded" | "failed";
  readonly block?: number;
  /** Shadow mode: the route the intent would have taken had the daemon been live. */
  readonly wouldRoute?: string;
}

export type StageName = "ingest" | "predict" | "riskGate" | "optimize" | "gasCheck" | "execute";

/** The status of one stage in a decision record. */
export interface StageRecord {
  readonly stage: StageName;
  readonly status: "ok" | "halt" | "error" | "skipped";
  readonly durationMs: number;
  readonly summary: string;
  readonly reasons?: readonly Reason[];
  readonly error?: { code: string; message: string; retryable: boolean };
}

/** The journal's unit: one tick, written before anything is signed or sent, completed after. */
export interface DecisionRecord {
  readonly id: string;
  readonly trigger: "cron" | "block" | "manual" | "backtest";
  /** Unix milliseconds (wall clock) when the tick started. */
  readonly startedAt: number;
  readonly configHash: string;
  readonly modelHash: string;
  /** SHA-256 of the snapshot the stages saw (absent before ingest, and in records written before issue 13). */
  readonly snapshotHash?: string;
  readonly chainId: number;
  readonly block: number | null;
  /** `executed` moved funds, `halted` said no for a reason, `failed` hit an error, `pending` is written before execute. */
  readonly outcome: "pending" | "executed" | "halted" | "failed";
  readonly stages: readonly StageRecord[];
  readonly haltReasons: readonly Reason[];
  /** Compact copies of the stage outputs for `keel explain` and the dashboard (bigints as strings). */
  readonly detail: {
    readonly snapshot?: Pick<Snapshot, "block" | "timestamp"> & {
      totalAssets: string;
      idle: string;
      paused: boolean;
      /** The keeper account's balance at the snapshot, wei (absent in records written before it was kept). */
      keeperBalanceWei?: string;
      /** The vault's base asset, so amounts read in its units (absent in records written before it was kept). */
      asset?: { symbol: string; decimals: number };
    };
    readonly forecast?: Forecast;
    readonly verdict?: RiskVerdict;
    readonly plan?: {
      targetWeights: Record<string, number>;
      moves: { sourceId: string; direction: string; amount: string }[];
      gainP10Usd: number;
      gainP50Usd: number;
      rerange?: RerangeOrder;
    };
    readonly gas?: { gasUnits: string; costUsd: number; gainToCost: number; maxFeePerGasWei: string };
    readonly action?: Action;
    readonly allocation?: Record<string, string>;
    /** Observed APR per source at the snapshot, in % (forecast vs realised in reports and the dashboard). */
    readonly rates?: Record<string, number>;
  };
}
