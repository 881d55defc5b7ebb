/**
 * The one catalogue of keel's stable codes: halt codes (a stage stopped the tick with it), reason codes
 * (it shaped or explained an answer) and error codes (something failed), each with its severity. Logs,
 * metrics, `keel status`, `keel explain` and the dashboard classify codes from here, never by pattern or
 * by a list of their own. Declarative tables: one line per code, grouped by severity (the error codes' meanings in
 * errorCodes.ts).
 */
import { ERROR_ABOUTS } from "./errorCodes.ts";

/**
 * How much a code matters to an operator, least first; a decision's headline is its most severe code.
 * `info` explains the answer; `routine` is an ordinary economic "no"; `wait` waits on people (signers);
 * `warn` is worth a look but changed nothing; `freeze` stops deposits into a source; `exit` forces one to
 * be left; `halt` stops the tick on unusable data or chain access; `error` is a failed tick; `trigger` is
 * the kill-switch (pulled, or a reason to pull it).
 */
export const SEVERITIES = ["info", "routine", "wait", "warn", "freeze", "exit", "halt", "error", "trigger"] as const;

/** One of SEVERITIES. */
export type Severity = (typeof SEVERITIES)[number];

/** What a code is: a stage's halt, a reason that shapes or explains an answer, or a failure. */
export type CodeClass = "halt" | "reason" | "error";

/** A catalogue entry. */
export interface CodeEntry {
  readonly severity: Severity;
  /** What it means (and what keel does about it). */
  readonly about: string;
}

/**
 * A table of codes that share a severity, from each code's meaning: the codes stay a literal union (`keyof`), so a
 * code that is not catalogued does not type-check.
 */
function codesOf<S extends Severity, const T extends Readonly<Record<string, string>>>(
  severity: S,
  abouts: T,
): { readonly [K in keyof T]: { readonly severity: S; readonly about: T[K] } } {
  return Object.fromEntries(Object.entries(abouts).map(([code, about]) => [code, { severity, about }])) as {
    readonly [K in keyof T]: { readonly severity: S; readonly about: T[K] };
  };
}

/** Codes a stage halts the tick with. */
export const HALT_CODES = {
  ...codesOf("trigger", {
    PAUSED: "the vault is paused (kill-switch pulled)",
    SHUTDOWN: "the vault is shut down for good",
    DEPEG_PAUSE: "risk trigger: base asset or a funded source's token beyond the pause level",
    EXPLOIT_DETECTED: "risk trigger: share-price drop or incident in a funded source",
    DRAWDOWN_LIMIT: "risk trigger: vault share price too far below its running peak",
    KILL_SWITCH_PULLED: "the vault was paused on-chain for a risk trigger",
    KILL_SWITCH_FAILED: "pausing the vault for a risk trigger failed (the tick halts)",
    KILL_SWITCH_ALREADY_PAUSED: "a risk trigger fired while the vault was paused",
  }),
  ...codesOf("halt", {
    CHAIN_ID_MISMATCH: "the node serves another chain than the configured one",
    STALE_DATA: "the head block is older than maxDataAgeSeconds",
    INCONSISTENT_DATA: "vault total assets differ from idle + positions",
    BAD_SOURCE_DATA: "a source reported non-finite data",
    DATA_MISSING: "the snapshot carries no price",
    DATA_STALE: "newest price older than maxDataAgeSeconds at the snapshot's time",
    SNAPSHOT_STALE: "snapshot older than maxDataAgeSeconds by the wall clock",
    ORACLE_STALE: "price older than its heartbeat: halts for the base asset, else freezes",
    ORACLE_INVALID: "answer ≤ 0, non-finite or at a bound: halts for the base asset, else freezes",
    ORACLE_DISAGREE: "price origins disagree: halts for the base asset, else freezes",
    PRICE_MISSING: "a token has no price: halts for the base asset, else freezes",
    RPC_DEGRADED: "chain access degraded: observe only, no new intents",
    HEAD_STALE: "the latest block is older than maxHeadAgeSeconds: observe only",
    HEAD_STALLED: "the head has not moved for maxHeadStallSeconds: observe only",
    RPC_HEAD_DISAGREE: "RPC endpoints disagree on the head: observe only",
    RPC_NO_QUORUM: "too few RPC endpoints answered the head check: observe only",
    RPC_STATE_DISAGREE:
      "RPC endpoints answered a state read (eth_call at a block) differently, no quorum agreed: observe only",
    SIMULATION_REVERTED: "the rebalance reverts in simulation",
    KEEPER_BALANCE_LOW: "keeper balance below the plan's worst-case fee",
  }),
  ...codesOf("wait", {
    PROPOSAL_PENDING: "a Safe proposal waits for signatures: no new one until it ends",
  }),
  ...codesOf("routine", {
    FEE_CAP: "gas price above strategy.maxGasPriceGwei",
    COOLDOWN: "the last rebalance is more recent than the cool-down",
    DAILY_CAP: "rebalances in the last 24 h reached the daily cap",
    GAIN_BELOW_COST: "the pessimistic gain does not pay k × gas and slippage",
    STAY: "the best plan is to stay (or there is nothing to allocate)",
    NO_MOVES: "the plan has no moves",
    MIN_HOLD: "the last rebalance is more recent than switching.minHoldHours",
    SWITCH_UNCONFIRMED: "a switch has not yet paid for switching.confirmHours",
    RERANGE_NOT_WORTH:
      "a Uniswap v3 position is not re-ranged: the new range does not pay hysteresis × gas and swap cost",
  }),
} satisfies Readonly<Record<string, CodeEntry>>;

/**
 * Codes that shape or explain an answer (the risk gate's freezes and exits, notes of every stage; the LP report's
 * events, derived from decisions, say "report event").
 */
export const REASON_CODES = {
  ...codesOf("exit", {
    DEPEG_EXIT: "token beyond the exit level: forced exit (halts when the base asset)",
    PROTOCOL_COMPROMISED: "forced exit: recent incident or the operator's list",
    SHARE_PRICE_DROP: "forced exit: ERC-4626 share price fell within the window",
    TVL_DROP: "forced exit: TVL fell beyond drainDropPct within the window",
    PROTOCOL_CHANGE_EXIT: "forced exit: a protocol change of a kind configured critical (monitor.critical)",
    FORCED_EXIT: "report event: a source had to be left",
  }),
  ...codesOf("freeze", {
    DEPEG_STOP: "token beyond the stop level: frozen (every source for the base asset)",
    LST_DISCOUNT_FREEZE: "liquid-staking token at a discount beyond the freeze level",
    WITHDRAW_LIMITED: "maxWithdraw short of our balance: frozen, partial exits only",
    UTILIZATION_PINNED: "utilisation pinned near 100 % for the window",
    APR_ANOMALY: "APR far outside the forecast band",
    MANIPULATION_SPOT_ORACLE: "pool spot price away from the oracle",
    MANIPULATION_RESERVE_JUMP: "TVL jumped between two observations",
    SCORE_LOW: "protocol risk score below minProtocolScore",
    PROTOCOL_IMPLEMENTATION_CHANGED: "a pinned proxy's implementation (or its code) changed",
    PROTOCOL_ADMIN_CHANGED: "a pinned proxy admin or contract owner changed",
    PROTOCOL_CODE_CHANGED: "the code hash at a pinned address changed",
    PROTOCOL_PARAMS_CHANGED: "a pinned parameter (cap, fee, timelock…) changed",
    RESERVE_FROZEN: "the source's Aave reserve was frozen, paused or deactivated",
    RESERVE_PARAMS_CHANGED: "the Aave reserve's configuration or rate strategy moved",
    ORACLE_REPLACED: "a pinned oracle address (source of a price) changed",
    ORACLE_CONSTANT: "a watched feed repeated its answer over maxConstantRounds rounds",
    FROZEN: "report event: a source took no deposits",
  }),
  ...codesOf("warn", {
    DEPEG_ALERT: "token beyond the alert level",
    LST_DISCOUNT: "liquid-staking token at a discount to its peg",
    VAR_BREACH: "portfolio VaR above maxVarPct: caps of held risky sources scaled down",
    CVAR_BREACH: "portfolio CVaR above maxCvarPct: caps scaled down",
    EVAR_BREACH: "portfolio EVaR above maxEvarPct: caps scaled down",
    IL_UNKNOWN: "no price volatility for an LP: impermanent loss not estimated",
    NO_FORECAST: "no forecast for a source: held, no new deposits",
    POLICY_UNAVAILABLE: "strategy.optimizer is policy but none loaded: the rule serves",
    POLICY_FAILED: "the allocation policy failed or answered nonsense: the rule serves",
  }),
  ...codesOf("info", {
    // The forecaster in use is a standing condition with its own gauge and alert (keel_model_fallback).
    MODEL_UNAVAILABLE: "no model loaded: the baseline forecasts",
    MODEL_FAILED: "the model failed this tick: the baseline forecasts",
    MODEL_INPUT_UNSEEN: "the model was not trained on this source's rate measure",
    LINEAR_FAILED: "the linear quantile forecaster failed this tick: the others serve",
    FORECASTER_BY_SKILL: "a source is forecast by the forecaster its own skill ranks best",
    POLICY_CLIPPED: "the policy's weights were cut to the risk gate's and keeper bounds",
    MODEL_SOURCE_FALLBACK: "the model had no forecast for a source: the baseline's",
    HISTORY_SHORT: "a source's history is shorter than the model needs: the baseline's",
    IL_EXPECTED: "expected impermanent loss of an LP over the horizon",
    PORTFOLIO_RISK: "VaR / CVaR / EVaR of the current portfolio",
    RISK_NO_HISTORY: "risk figures from forecast yield and incident scenarios only",
    CAP_BOUND: "a source's cap is below maxWeightPerSource (the message names the rule)",
    MOVE_LIMIT: "plan shortened to the allocator's per-rebalance move limit",
    BOUNDS_RESTORE: "the current allocation breaks a bound: moving",
    GAIN_TEST_WAIVED: "forced exit: the gain-to-cost test does not apply",
    RERANGE: "a Uniswap v3 position is re-ranged around the oracle price: it pays its costs",
    RERANGE_DEFERRED: "a re-range waits: this tick's rebalance goes first",
    SAFE_PROPOSAL: "report event: a change sent to the Safe for approval",
    VAULT_UNPAUSED: "report event: the vault was unpaused",
    FORCED_EXIT_LIFTED: "report event: a source no longer has to be left",
    FROZEN_LIFTED: "report event: a source takes deposits again",
  }),
  ...codesOf("trigger", {
    VAULT_PAUSED: "report event: the vault's kill-switch was pulled",
  }),
} satisfies Readonly<Record<string, CodeEntry>>;

/** Codes of failures (KeelError codes, and why an intent ended badly): severity `error`. */
export const ERROR_CODES = codesOf("error", ERROR_ABOUTS);

/** A code a stage halts with. */
export type HaltCode = keyof typeof HALT_CODES;
/** A code that shapes or explains an answer. */
export type ReasonCode = keyof typeof REASON_CODES;
/** A failure's code. */
export type ErrorCode = keyof typeof ERROR_CODES;
/** Any catalogued code. */
export type Code = HaltCode | ReasonCode | ErrorCode;

const TABLES: readonly [CodeClass, Readonly<Record<string, CodeEntry>>][] = [
  ["halt", HALT_CODES],
  ["reason", REASON_CODES],
  ["error", ERROR_CODES],
];

/** The catalogue entry and class of a code; undefined for a code keel does not know. */
export function lookupCode(code: string): (CodeEntry & { readonly class: CodeClass }) | undefined {
  for (const [cls, table] of TABLES) {
    const entry = Object.hasOwn(table, code) ? table[code] : undefined;
    if (entry) return { ...entry, class: cls };
  }
  return undefined;
}

/** True for a code a stage may halt with or give as a reason (not an error's code). */
export function isDecisionCode(code: string): code is HaltCode | ReasonCode {
  const cls = lookupCode(code)?.class;
  return cls === "halt" || cls === "reason";
}

/** Position of a severity in SEVERITIES (higher is more severe). */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

const CATALOGUE_ORDER: ReadonlyMap<string, number> = new Map(
  TABLES.flatMap(([, table]) => Object.keys(table)).map((code, i) => [code, i]),
);

/**
 * Position of a code in the catalogue (lower comes first); within a severity the tables list the codes
 * that matter most first, so DEPEG_STOP heads a decision that also holds WITHDRAW_LIMITED. A code the
 * catalogue does not know comes last.
 */
export function catalogueRank(code: string): number {
  return CATALOGUE_ORDER.get(code) ?? CATALOGUE_ORDER.size;
}
