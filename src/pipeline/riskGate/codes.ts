/**
 * Every reason code the risk gate emits, with its effect. Codes are stable: the runtime turns them into
 * metrics (`keel_risk_triggers_total{code}` for triggers, halt counters for halts) and dashboards.
 */

/** Off-chain kill-switch triggers (severity `halt`; pause the vault when `pauseOnTrigger`). */
export const RISK_TRIGGER_CODES = {
  DEPEG_PAUSE: "base asset, or the token of a source holding funds, beyond the pause level (both origins agree)",
  EXPLOIT_DETECTED: "share-price drop or incident in a source that holds funds",
  DRAWDOWN_LIMIT: "vault share price too far below its running peak",
} as const;

/** Every other code, by effect. */
export const RISK_REASON_CODES = {
  // Halts (stale, missing or unusable data).
  DATA_MISSING: "halt: the snapshot carries no price",
  DATA_STALE: "halt: newest price older than maxDataAgeSeconds at the snapshot's time",
  SNAPSHOT_STALE: "halt: snapshot older than maxDataAgeSeconds by the wall clock",
  DEPEG_EXIT: "halt when about the base asset (nothing valued at par); forced exit for a source's token",
  // Kill-switch outcome.
  KILL_SWITCH_PULLED: "the vault was paused on-chain for a trigger",
  KILL_SWITCH_FAILED: "pausing the vault failed (the tick still halts)",
  KILL_SWITCH_ALREADY_PAUSED: "a trigger fired while the vault was already paused",
  // Oracle health (halt for the base asset, freeze for a source's token).
  ORACLE_STALE: "price older than its heartbeat",
  ORACLE_INVALID: "answer ≤ 0, non-finite, or at a configured min/max bound",
  ORACLE_DISAGREE: "price origins disagree beyond oracleMaxDisagreementPct",
  PRICE_MISSING: "a source's token has no price",
  // Depeg, graded.
  DEPEG_ALERT: "warn: beyond the alert level",
  DEPEG_STOP: "freeze (every source when about the base asset)",
  LST_DISCOUNT: "warn: liquid-staking token at a discount to its peg",
  LST_DISCOUNT_FREEZE: "freeze: discount beyond lstDiscountFreezePct (never an exit or a pause)",
  // Exploit / anomaly.
  PROTOCOL_COMPROMISED: "forced exit: recent incident or operator's list",
  SHARE_PRICE_DROP: "forced exit: ERC-4626 share price fell within the window",
  TVL_DROP: "forced exit: TVL fell beyond drainDropPct within the window",
  WITHDRAW_LIMITED: "freeze: maxWithdraw short of our balance",
  UTILIZATION_PINNED: "freeze: utilisation pinned near 100 % for the window",
  APR_ANOMALY: "freeze: APR far outside the forecast band",
  // Manipulation.
  MANIPULATION_SPOT_ORACLE: "freeze: pool spot price away from the oracle",
  MANIPULATION_RESERVE_JUMP: "freeze: TVL jumped between two observations",
  // Protocol score.
  SCORE_LOW: "freeze: protocol risk score below minProtocolScore",
  // Portfolio risk.
  PORTFOLIO_RISK: "info: VaR / CVaR / EVaR of the current portfolio (value = scenarios used)",
  RISK_NO_HISTORY: "info: no history window, figures from forecast yield and incident scenarios only",
  VAR_BREACH: "warn: portfolio VaR above maxVarPct; caps of held risky sources scaled down",
  CVAR_BREACH: "warn: portfolio CVaR above maxCvarPct; caps scaled down",
  EVAR_BREACH: "warn: portfolio EVaR above maxEvarPct; caps scaled down",
  // Impermanent loss.
  IL_EXPECTED: "info (warn when above the fee APR): expected IL of an LP over the horizon",
  IL_UNKNOWN: "warn: no price volatility for an LP, IL not estimated",
  // Caps: one CAP_BOUND per source whose cap is below the maximum weight, naming the rule that bound.
  CAP_BOUND: "info: cap below maxWeightPerSource; message names the rule (see CAP_RULES)",
} as const;

/** Rules that can bind a cap (named inside CAP_BOUND reasons). */
export const CAP_RULES = {
  MAX_WEIGHT: "per-source maximum weight (strategy.maxWeightPerSourceBps)",
  DEPTH: "pool TVL / minDepthToPositionRatio",
  LIQUIDITY: "available liquidity (supply − borrows) of a lending source",
  EXIT_COST: "largest LP position whose exit costs ≤ maxExitCostBps",
  VAR_LIMIT: "standalone or portfolio VaR limit",
  CVAR_LIMIT: "standalone or portfolio CVaR limit",
  EVAR_LIMIT: "standalone or portfolio EVaR limit",
} as const;
