import type { ProtocolMonitorOptions } from "./protocolChange.ts";

/**
 * Options of the risk gate. `z.infer<typeof riskSection>` (src/config/sections/risk.ts) plus
 * `{ maxWeightPerSourceBps, minIdleBps, baseAsset }` from the strategy section satisfies it; it is written
 * out here so that the pipeline does not import the config layer (which imports ethers).
 */
export interface RiskOptions {
  readonly maxDataAgeSeconds: number;
  readonly oracleHeartbeatSeconds: number;
  readonly heartbeatSecondsBySymbol: Readonly<Record<string, number>>;
  readonly oracleMaxDisagreementPct: number;
  readonly oracleBoundsUsd: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
  readonly priceAliases: Readonly<Record<string, string>>;

  readonly pegs: Readonly<Record<string, string>>;
  readonly depegAlertPct: number;
  readonly depegStopPct: number;
  readonly depegExitPct: number;
  readonly depegPausePct: number;
  readonly discountAssets: readonly string[];
  readonly lstDiscountAlertPct: number;
  readonly lstDiscountFreezePct: number;

  readonly pauseOnTrigger: boolean;
  readonly triggerAction: "halt" | "exit";

  readonly drainDropPct: number;
  readonly drainWindowSeconds: number;
  readonly sharePriceDropPct: number;
  readonly maxWithdrawShortfallPct: number;
  readonly utilizationPinnedAt: number;
  readonly utilizationPinnedSeconds: number;
  readonly aprAnomalyBandFactor: number;
  readonly aprAnomalyMinPct: number;
  readonly incidentLookbackSeconds: number;
  readonly compromisedProtocols: readonly string[];

  readonly maxSpotOracleDeviationPct: number;
  readonly maxReserveJumpPct: number;
  readonly reserveJumpWindowSeconds: number;
  readonly minDepthToPositionRatio: number;

  readonly maxExitCostBps: number;
  readonly lpFeeBps: number;
  readonly defaultLpRangeWidthPct: number;

  readonly confidence: number;
  readonly scenarioStepSeconds: number;
  readonly maxVarPct: number;
  readonly maxCvarPct: number;
  readonly maxEvarPct: number;
  readonly maxDrawdownPct: number;
  readonly incidentShockPct: number;
  readonly incidentYearlyProbabilityAtScore0: number;

  readonly minProtocolScore: number;
  readonly scoreWeights: Readonly<Record<ScoreComponent, number>>;
  readonly protocols: Readonly<Record<string, ProtocolFacts>>;

  /** Protocol-change monitoring (the `monitor` section); without it no source is judged for changes. */
  readonly monitor?: ProtocolMonitorOptions;

  /** From the strategy section. */
  readonly maxWeightPerSourceBps: number;
  readonly minIdleBps: number;
  /** Symbol of the vault's base asset (the snapshot's `baseAsset.symbol` wins when they differ). */
  readonly baseAsset: string;
}

/** Components of the protocol risk score. */
export type ScoreComponent = "audit" | "tvl" | "incidents" | "oracle" | "concentration";

/** Operator-supplied facts about a protocol. */
export interface ProtocolFacts {
  readonly auditAgeDays?: number | undefined;
  readonly ageYears?: number | undefined;
  readonly incidentName?: string | undefined;
}
