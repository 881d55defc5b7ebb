import { z } from "zod";
import { pct } from "./common.ts";

const seconds = (max: number) => z.number().int().min(1).max(max);
const symbolMap = <T extends z.ZodType>(value: T) => z.record(z.string().min(1), value);

/** Per-protocol facts for the protocol risk score (keys: protocol as in SourceState.protocol, lower-case). */
const protocolFacts = z.strictObject({
  /** Days since the last public audit; omit when never audited. */
  auditAgeDays: z.number().min(0).max(36_500).optional(),
  /** Years the protocol has been live (Lindy). */
  ageYears: z.number().min(0).max(100).optional(),
  /** Name used in incident feeds when it differs (e.g. `aave` for `aave-v3`). */
  incidentName: z.string().min(1).optional(),
});

/** Weights of the protocol risk score components (they are normalised to sum 1). */
const scoreWeights = z
  .strictObject({
    audit: z.number().min(0).max(100).default(20),
    tvl: z.number().min(0).max(100).default(25),
    incidents: z.number().min(0).max(100).default(25),
    oracle: z.number().min(0).max(100).default(15),
    concentration: z.number().min(0).max(100).default(15),
  })
  .prefault({});

/** Risk gate limits. Thresholds are graded: alert < stop new allocation < exit < pause. */
export const riskSection = z
  .strictObject({
    /** A snapshot older than this (block time vs wall clock, or vs its newest price) halts the tick. */
    maxDataAgeSeconds: seconds(7 * 86_400).default(600),
    /** Oracle heartbeat: an observation older than this is stale. */
    oracleHeartbeatSeconds: seconds(7 * 86_400).default(3_600),
    /** Per-symbol heartbeat overrides (e.g. a daily feed: `{ USDC: 90000 }`). */
    heartbeatSecondsBySymbol: symbolMap(seconds(30 * 86_400)).default({}),
    /** Two price origins disagreeing by more than this: no new intents from that price. */
    oracleMaxDisagreementPct: pct.default(2),
    /** Answer bounds per symbol (Chainlink min/max answer); an answer at or beyond a bound is rejected. */
    oracleBoundsUsd: symbolMap(z.strictObject({ min: z.number().min(0), max: z.number().positive() })).default({}),
    /** Symbols priced as another when they have no price of their own. */
    priceAliases: symbolMap(z.string().min(1)).default({ WETH: "ETH", WBTC: "BTC" }),

    /** Peg of each pegged asset: `USD` or another symbol whose price is the peg (`STETH: ETH`); symbols are case-insensitive. */
    pegs: symbolMap(z.string().min(1)).default({
      USDC: "USD",
      USDT: "USD",
      DAI: "USD",
      USDE: "USD",
      USDS: "USD",
      FRAX: "USD",
      LUSD: "USD",
      GUSD: "USD",
      TUSD: "USD",
      USDP: "USD",
      BUSD: "USD",
      SUSD: "USD",
      UST: "USD",
      USTC: "USD",
      STETH: "ETH",
      // The embedded devnet's test stablecoin.
      KUSDC: "USD",
    }),
    depegAlertPct: pct.default(0.5),
    depegStopPct: pct.default(1),
    depegExitPct: pct.default(3),
    depegPausePct: pct.default(5),
    /** Liquid-staking tokens: a price below the peg is a discount (alert, then freeze), never an exit or pause. */
    discountAssets: z.array(z.string().min(1)).default(["STETH"]),
    lstDiscountAlertPct: pct.default(1),
    lstDiscountFreezePct: pct.default(5),

    /** Pull the on-chain kill-switch (guardian key) when a trigger fires. */
    pauseOnTrigger: z.boolean().default(false),
    /** On a trigger: `halt` the tick (default), or `exit` (return a verdict forcing exits, for a Safe proposal). */
    triggerAction: z.enum(["halt", "exit"]).default("halt"),

    /** A source's TVL drop beyond this, within the window, counts as a drain (exit). */
    drainDropPct: pct.default(20),
    drainWindowSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
    /** A drop of an ERC-4626 target's share price beyond this, within the window, is an exploit (it should never fall). */
    sharePriceDropPct: pct.default(2),
    /** What could leave now below this share of our position: withdrawals limited → frozen. */
    maxWithdrawShortfallPct: pct.default(5),
    /** Utilisation at or above this, for the whole window, counts as pinned. */
    utilizationPinnedAt: z.number().min(0).max(1).default(0.995),
    utilizationPinnedSeconds: seconds(30 * 86_400).default(6 * 3_600),
    /** APR beyond the forecast band by this many band widths (at least `aprAnomalyMinPct` points) is an anomaly. */
    aprAnomalyBandFactor: z.number().min(0).max(100).default(3),
    aprAnomalyMinPct: z.number().min(0).max(1_000).default(10),
    /** Incidents younger than this mark a protocol compromised. */
    incidentLookbackSeconds: seconds(365 * 86_400).default(14 * 86_400),
    /** Protocols marked compromised by the operator (lower-case protocol names). */
    compromisedProtocols: z.array(z.string().min(1)).default([]),

    /** Spot (pool) vs oracle/TWAP deviation beyond this: manipulable → frozen. */
    maxSpotOracleDeviationPct: pct.default(2),
    /** TVL or reserve change between consecutive observations beyond this: manipulable → frozen. */
    maxReserveJumpPct: pct.default(25),
    reserveJumpWindowSeconds: seconds(86_400).default(3_600),
    /** Pool depth (TVL) must be at least this multiple of our position: otherwise the cap shrinks. */
    minDepthToPositionRatio: z.number().min(0).max(1_000_000).default(20),

    /** Exit cost (price impact plus fee) for our size beyond this shrinks the cap. */
    maxExitCostBps: z.number().min(0).max(10_000).default(50),
    /** Swap fee of AMM sources, used for exit cost. */
    lpFeeBps: z.number().min(0).max(10_000).default(30),
    /** Range of a concentrated LP position when ingest gives none: ± this % around spot (0 = full range). */
    defaultLpRangeWidthPct: z.number().min(0).max(10_000).default(0),

    /** Portfolio risk: confidence level, scenario step, and limits (in % of total assets over the horizon). */
    confidence: z.number().min(0.5).max(0.9999).default(0.95),
    scenarioStepSeconds: seconds(30 * 86_400).default(86_400),
    maxVarPct: pct.default(5),
    maxCvarPct: pct.default(10),
    maxEvarPct: pct.default(100),
    /** Share-price drawdown from its running peak beyond this is a kill-switch trigger. */
    maxDrawdownPct: pct.default(10),
    /** Loss of a source in its incident scenario, and the yearly incident probability of a score-0 protocol. */
    incidentShockPct: pct.default(50),
    incidentYearlyProbabilityAtScore0: z.number().min(0).max(1).default(0.5),

    /** Protocol risk score below this freezes the source. */
    minProtocolScore: z.number().min(0).max(100).default(30),
    scoreWeights,
    protocols: z.record(z.string().min(1), protocolFacts).default({}),
  })
  .prefault({})
  .refine(
    (r) => r.depegAlertPct <= r.depegStopPct && r.depegStopPct <= r.depegExitPct && r.depegExitPct <= r.depegPausePct,
    {
      message: "depeg thresholds must rise: alert ≤ stop ≤ exit ≤ pause",
    },
  )
  .refine((r) => r.lstDiscountAlertPct <= r.lstDiscountFreezePct, {
    message: "LST discount thresholds must rise: alert ≤ freeze",
  });
