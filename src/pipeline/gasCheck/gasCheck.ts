import type { GasVerdict } from "../../domain/decision.ts";
import { KeelError } from "../../domain/errors.ts";
import { type Reason, reason } from "../../domain/reasons.ts";
import type { GasEstimator } from "../../ports/execution.ts";
import { halt, ok, type Stage } from "../stage.ts";
import type { GasInput } from "../types.ts";
import { estimateFees, type FeeEstimate, gweiToWei, weiToUsd } from "./fees.ts";

/** Gas economics and keeper-side rate limits; satisfied by `config.strategy`. */
export interface GasOptions {
  /** Act only when the P10 gain is at least k × the expected cost. */
  readonly minGainToCostRatio: number;
  /** Absolute cap on the fee per gas (base + priority), gwei. */
  readonly maxGasPriceGwei: number;
  readonly cooldownSeconds: number;
  /** Rebalances allowed in any rolling 24 hours. */
  readonly maxRebalancesPerDay: number;
}

/** Ports the gas check reads. */
export interface GasCheckDeps {
  readonly estimator: GasEstimator;
  /** Unix seconds of past executed rebalances (any order). */
  readonly rebalanceTimes: () => Promise<number[]>;
}

const DAY_SECONDS = 86_400;

/**
 * The keeper-side rate limits a rebalance must respect: the cool-down and the daily cap, the stricter of the
 * keeper's own and the allocator's (read from the chain when live). A re-range is bounded by its adapter instead.
 */
function rateLimitReasons(opts: GasOptions, { snapshot, plan }: GasInput, times: readonly number[]): Reason[] {
  const now = snapshot.timestamp;
  const reasons: Reason[] = [];
  const onchain = snapshot.keeperBounds;
  const cooldownSeconds = Math.max(opts.cooldownSeconds, onchain?.cooldownSeconds ?? 0);
  const maxPerDay = Math.min(opts.maxRebalancesPerDay, onchain?.maxRebalancesPerDay ?? Number.POSITIVE_INFINITY);
  const past = [...times, ...(onchain && onchain.lastRebalanceAt > 0 ? [onchain.lastRebalanceAt] : [])].filter(
    (t) => t <= now,
  );
  const last = past.length > 0 ? Math.max(...past) : undefined;
  // The cool-down and daily cap limit rebalances; a re-range is bounded by its adapter's own interval.
  const rebalance = plan.rerange === undefined;
  if (rebalance && last !== undefined && now - last < cooldownSeconds) {
    reasons.push(
      reason("COOLDOWN", `last rebalance ${now - last}s ago, cool-down is ${cooldownSeconds}s`, {
        value: now - last,
        limit: cooldownSeconds,
        severity: "halt",
      }),
    );
  }
  const inDay = Math.max(new Set(past.filter((t) => t > now - DAY_SECONDS)).size, onchain?.rebalancesToday ?? 0);
  if (rebalance && inDay >= maxPerDay) {
    reasons.push(
      reason("DAILY_CAP", `${inDay} rebalances in the last 24h, cap is ${maxPerDay}`, {
        value: inDay,
        limit: maxPerDay,
        severity: "halt",
      }),
    );
  }
  return reasons;
}

/**
 * The gain test (P10 gain at least k × cost; waived for a forced exit, which the risk gate asked for) and the keeper's
 * balance against the plan's worst-case fee: adds what fails to `reasons`; returns the informational reasons.
 */
function gainAndBalanceReasons(
  opts: GasOptions,
  { snapshot, plan }: GasInput,
  cost: { gasUnits: bigint; fees: FeeEstimate; costUsd: number },
  reasons: Reason[],
): Reason[] {
  const { gasUnits, fees, costUsd } = cost;
  const needUsd = opts.minGainToCostRatio * costUsd;
  const info: Reason[] = [];
  if (plan.needsApproval) {
    // A forced exit is the risk gate's call, not an investment: it does not have to pay for itself.
    info.push(
      reason("GAIN_TEST_WAIVED", "forced exit: the gain-to-cost test does not apply", { value: plan.gainP10Usd }),
    );
  } else if (!(plan.gainP10Usd > 0) || plan.gainP10Usd < needUsd) {
    reasons.push(
      reason(
        "GAIN_BELOW_COST",
        `P10 gain $${plan.gainP10Usd.toFixed(2)} is below ${opts.minGainToCostRatio} × gas $${costUsd.toFixed(2)}`,
        { value: plan.gainP10Usd, limit: needUsd, severity: "halt" },
      ),
    );
  }

  const worstCaseWei = gasUnits * fees.maxFeePerGasWei;
  if (snapshot.keeperBalanceWei < worstCaseWei) {
    reasons.push(
      reason("KEEPER_BALANCE_LOW", "keeper balance is below the worst-case fee of this plan", {
        value: Number(snapshot.keeperBalanceWei) / 1e18,
        limit: Number(worstCaseWei) / 1e18,
        severity: "halt",
      }),
    );
  }
  return info;
}

/**
 * The gas check: prices the plan with EIP-1559 fees from the snapshot, gas units from the estimator
 * and the native price, then says "no" (with every reason that applies) on a cool-down, the daily cap,
 * a fee above the cap, a pessimistic gain below k × cost, or a keeper balance below the worst-case fee.
 * A plan that needs approval (a forced exit) is exempt from the gain test only.
 */
export function createGasCheckStage(opts: GasOptions, deps: GasCheckDeps): Stage<GasInput, GasVerdict> {
  const capWei = gweiToWei(opts.maxGasPriceGwei);
  return {
    async run({ snapshot, plan }, signal) {
      const reasons = rateLimitReasons(opts, { snapshot, plan }, await deps.rebalanceTimes());

      const fees = estimateFees(snapshot.baseFeesWei, snapshot.priorityFeeWei, capWei);
      if (fees.effectiveFeePerGasWei > capWei) {
        const gwei = Number(fees.effectiveFeePerGasWei) / 1e9;
        reasons.push(
          reason("FEE_CAP", `fee ${gwei.toFixed(2)} gwei is above the cap of ${opts.maxGasPriceGwei} gwei`, {
            value: gwei,
            limit: opts.maxGasPriceGwei,
            severity: "halt",
          }),
        );
      }

      // Nothing to simulate when the answer is already no (and a cool-down would only make it revert).
      if (reasons.length > 0) return halt(reasons);
      signal.throwIfAborted();
      let gasUnits: bigint;
      try {
        gasUnits = await deps.estimator.estimateGas(plan, snapshot, signal);
      } catch (err) {
        // A simulation that reverts is an answer about this plan, with the decoded reason, not a crash.
        if (!(err instanceof KeelError) || err.code !== "EXECUTION_REVERTED") throw err;
        return halt([reason("SIMULATION_REVERTED", err.message, { severity: "halt" })]);
      }
      const costWei = gasUnits * fees.effectiveFeePerGasWei;
      const costUsd = weiToUsd(costWei, snapshot.nativeUsd);
      const gainToCost = costUsd > 0 ? plan.gainP10Usd / costUsd : plan.gainP10Usd > 0 ? Number.POSITIVE_INFINITY : 0;
      const info = gainAndBalanceReasons(opts, { snapshot, plan }, { gasUnits, fees, costUsd }, reasons);

      if (reasons.length > 0) return halt(reasons);
      const verdict: GasVerdict = {
        gasUnits,
        maxFeePerGasWei: fees.maxFeePerGasWei,
        maxPriorityFeePerGasWei: fees.maxPriorityFeePerGasWei,
        costWei,
        costUsd,
        gainToCost,
      };
      return ok(
        verdict,
        `${gasUnits} gas at ${(Number(fees.effectiveFeePerGasWei) / 1e9).toFixed(2)} gwei = $${costUsd.toFixed(2)}; gain/cost ${gainToCost.toFixed(1)}`,
        info,
      );
    },
  };
}
