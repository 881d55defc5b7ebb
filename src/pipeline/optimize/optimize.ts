import { toFloat } from "../../domain/amounts.ts";
import type { Plan, RiskVerdict } from "../../domain/decision.ts";
import { type Reason, reason } from "../../domain/reasons.ts";
import type { SourceKind } from "../../domain/snapshot.ts";
import { estimateFees, weiToUsd } from "../gasCheck/fees.ts";
import type { GasModelOptions } from "../gasCheck/gasModel.ts";
import { halt, ok, type Stage } from "../stage.ts";
import type { OptimizeInput } from "../types.ts";
import type { OwnImpactOptions } from "./impact.ts";
import { limitedMoves, withKeeperBounds } from "./keeperBounds.ts";
import type { MovePlan } from "./plan.ts";
import {
  type AllocationProblem,
  buildProblem,
  type FixedCostsUsd,
  isFeasible,
  type ProblemOptions,
} from "./problem.ts";
import type { RerangeOptions } from "./rerangeStep.ts";
import { type LpSolver, solveAllocation } from "./solver.ts";
import {
  bestSwitch,
  buildPricing,
  type PlanPrice,
  type Pricing,
  pays,
  priceWeights,
  type SwitchingOptions,
  switchConfirmation,
} from "./switching.ts";

/** Optimizer options: `config.strategy` plus the vault's base-asset facts (the problem's options and more). */
export interface OptimizeOptions extends ProblemOptions {
  readonly minMoveUnits: number;
  readonly gasModel: GasModelOptions;
  readonly ownImpact: OwnImpactOptions;
  readonly switching: SwitchingOptions;
  /** Re-ranging Uniswap v3 positions when the allocation stays (`withRerange`); none when absent. */
  readonly rerange?: RerangeOptions;
  /** USD price of one whole unit of the base asset (used when the snapshot carries no price). */
  readonly basePriceUsd: number;
}

/** Optional ports: the LP/QP solver (HiGHS adapter); without it the closed-form allocation is used. */
export interface OptimizeDeps {
  readonly solver?: LpSolver;
  /** Solve one-source CVaR problems in closed form (the solver's own answer, faster); default true. */
  readonly closedForm?: boolean;
  /** Unix seconds of past executed rebalances (for the minimum holding time); none when absent. */
  readonly rebalanceTimes?: () => Promise<number[]>;
}

const KINDS: readonly SourceKind[] = ["lending", "vault", "lp"];

/** How far (in % of the bound itself) accrual may carry the current allocation past a bound before staying is ruled out. */
export const BOUND_DRIFT_PCT = 5;

/** Expected gas of each kind of leg at the snapshot's fees, USD (the gas check decides for real). */
function fixedCostsUsd(input: OptimizeInput, model: GasModelOptions): FixedCostsUsd {
  const { snapshot } = input;
  const fee = estimateFees(snapshot.baseFeesWei, snapshot.priorityFeeWei).effectiveFeePerGasWei;
  const usd = (gas: number) => weiToUsd(BigInt(gas) * fee, snapshot.nativeUsd);
  const per = (g: Readonly<Record<SourceKind, number>>) =>
    Object.fromEntries(KINDS.map((k) => [k, usd(g[k])])) as Record<SourceKind, number>;
  return {
    base: usd(model.baseGas),
    deposit: per(model.depositGas),
    withdraw: per(model.withdrawGas),
    swap: usd(model.swapGas),
  };
}

/** The allocation problem of a tick, with what shaped it; undefined when there is nothing to allocate. */
export interface FramedProblem {
  readonly problem: AllocationProblem;
  readonly reasons: Reason[];
  /** The risk verdict tightened by the allocator's on-chain bounds. */
  readonly verdict: RiskVerdict;
  readonly fixed: FixedCostsUsd;
  /** USD price of one base-asset unit, and total assets in USD. */
  readonly priceUsd: number;
  readonly totalUsd: number;
}

/**
 * Frames the tick's allocation problem (shared by the rule and the learned policy): the risk gate's
 * verdict tightened by the allocator's own bounds on the keeper, estimated gas, bounds and forecasts.
 */
export function frameProblem(input: OptimizeInput, opts: OptimizeOptions): FramedProblem | undefined {
  const { snapshot } = input;
  const totalUnits = toFloat(snapshot.vault.totalAssets, opts.decimals);
  // The snapshot's own base-asset price when it has one (a depegged base asset), else the configured one.
  const priceUsd = snapshot.baseAsset.priceUsd > 0 ? snapshot.baseAsset.priceUsd : opts.basePriceUsd;
  const totalUsd = totalUnits * priceUsd;
  if (!(totalUsd > 0) || snapshot.sources.length === 0) return undefined;
  const fixed = fixedCostsUsd(input, opts.gasModel);
  // The allocator's own bounds on the keeper are constraints like the gate's: plan inside them.
  const verdict = withKeeperBounds(input.verdict, snapshot.keeperBounds);
  const { problem, reasons } = buildProblem({ ...input, verdict }, opts, fixed, totalUsd);
  return { problem, reasons, verdict, fixed, priceUsd, totalUsd };
}

/**
 * The problem linearised around `w`: each source's return (forecast and scenarios) scaled by the secant of
 * its own-impact curve from the current weight to `w`, so the solver sees what moving there really earns.
 */
function linearisedAt(problem: AllocationProblem, pricing: Pricing, w: readonly number[]): AllocationProblem {
  const k = problem.ids.map((_, i) => {
    const cur = problem.current[i] ?? 0;
    const x = w[i] ?? cur;
    if (Math.abs(x - cur) < 1e-9) return 1;
    return (x * pricing.rateRatio(i, x) - cur) / (x - cur);
  });
  if (k.every((x) => x === 1)) return problem;
  return {
    ...problem,
    mu: problem.mu.map((m, i) => m * (k[i] ?? 1)),
    scenarios: problem.scenarios.map((row) => row.map((r, i) => r * (k[i] ?? 1))),
  };
}

/** The last rebalance the optimizer knows of (its deps, or the allocator's record), unix seconds. */
async function lastRebalance(input: OptimizeInput, deps: OptimizeDeps): Promise<number | undefined> {
  const now = input.snapshot.timestamp;
  const times = (await deps.rebalanceTimes?.()) ?? [];
  const onchain = input.snapshot.keeperBounds?.lastRebalanceAt ?? 0;
  const past = [...times, ...(onchain > 0 ? [onchain] : [])].filter((t) => t <= now);
  return past.length > 0 ? Math.max(...past) : undefined;
}

const net = (p: PlanPrice) => p.gainP10Usd - p.moveCostUsd - p.gasUsd;

/**
 * The switching rule, when the current allocation is within its bounds: no rebalance within `minHoldHours` of the
 * last one, and none unless some single transfer pays `hysteresis` × its costs (`bestSwitch`) — between sources, for
 * `confirmHours` in a row. Returns the reason to stay, or the weights after the transfer (to linearise around).
 */
async function switchTrigger(
  input: OptimizeInput,
  deps: OptimizeDeps,
  sw: SwitchingOptions,
  confirm: ReturnType<typeof switchConfirmation>,
  { problem, pricing }: { problem: AllocationProblem; pricing: Pricing },
): Promise<Reason | number[]> {
  const { snapshot } = input;
  const last = await lastRebalance(input, deps);
  const held = last === undefined ? undefined : snapshot.timestamp - last;
  if (held !== undefined && held < sw.minHoldHours * 3_600) {
    return reason(
      "MIN_HOLD",
      `last rebalance ${(held / 3_600).toFixed(1)} h ago; positions are held ${sw.minHoldHours} h`,
      { value: held / 3_600, limit: sw.minHoldHours, severity: "halt" },
    );
  }
  const trigger = bestSwitch(problem, pricing, sw.hysteresis);
  if (!trigger) confirm.reset();
  const key = trigger ? `${problem.ids[trigger.from] ?? "idle"}>${problem.ids[trigger.to]}` : "";
  const paidFor = trigger ? confirm.seen(key, snapshot.timestamp) : 0;
  // Investing idle cash is not a bet on a spread: only switches between sources wait for confirmation.
  if (trigger && trigger.from >= 0 && paidFor < sw.confirmHours * 3_600) {
    return reason(
      "SWITCH_UNCONFIRMED",
      `${key.replace(">", " → ")} has paid for ${(paidFor / 3_600).toFixed(1)} h; it must for ${sw.confirmHours} h`,
      { value: paidFor / 3_600, limit: sw.confirmHours, severity: "halt" },
    );
  }
  if (!trigger) {
    return reason("STAY", `no switch pays ${sw.hysteresis}× its costs over ${sw.holdingDays} days`, {
      severity: "halt",
    });
  }
  const around = [...problem.current];
  around[trigger.to] = (around[trigger.to] ?? 0) + trigger.weight;
  if (trigger.from >= 0) around[trigger.from] = (around[trigger.from] ?? 0) - trigger.weight;
  return around;
}

/**
 * Of the candidate weights, the plan (moves within the keeper's move limit, priced exactly) that nets the most;
 * undefined when none moves anything. A shortened plan's reason is added to `all`.
 */
function bestPlan(
  snapshot: OptimizeInput["snapshot"],
  { problem, pricing }: { problem: AllocationProblem; pricing: Pricing },
  candidates: readonly { weights: number[]; method: string }[],
  moveOpts: { decimals: number; minMoveUnits: number; minIdleWeight: number },
  all: Reason[],
): { mp: MovePlan; price: PlanPrice; method: string } | undefined {
  let best: { mp: MovePlan; price: PlanPrice; method: string } | undefined;
  for (const c of candidates) {
    const shaped = limitedMoves(snapshot, problem, c.weights, moveOpts, all);
    const achieved = problem.ids.map((id) => shaped.targetWeights[id] ?? 0);
    const price = priceWeights(problem, pricing, achieved);
    if (shaped.moves.length > 0 && (!best || net(price) > net(best.price))) {
      best = { mp: shaped, price, method: c.method };
    }
  }
  return best;
}

/**
 * The optimize stage. Builds the allocation problem within the risk gate's caps, frozen sources, forced exits
 * and the min idle buffer, with returns counted over the expected holding period (`switching.holdingDays`).
 * Unless the current allocation breaks a bound (or the gate forces an exit), it first applies the switching
 * rule: no rebalance within `minHoldHours` of the last one, and none unless some single transfer of capital
 * pays `hysteresis` × its costs (gas, slippage, swap fee and price impact) at its P10 gain with the vault's
 * own impact on the rates (`bestSwitch`) — most ticks stay here without a solve. Then it solves the problem
 * (CVaR or mean-variance; linearised around that transfer for own impact), turns the weights into bigint moves
 * (withdrawals first), prices them exactly and keeps the LP's plan or the transfer, whichever nets more; the
 * plan must still pay `hysteresis` × its costs.
 */
export function createOptimizeStage(opts: OptimizeOptions, deps: OptimizeDeps = {}): Stage<OptimizeInput, Plan> {
  const sw = opts.switching;
  const confirm = switchConfirmation();
  return {
    async run(input, signal) {
      const { snapshot } = input;
      // Returns are counted over the expected holding period, not the forecast horizon.
      const framed = frameProblem(input, { ...opts, horizonDays: sw.holdingDays });
      if (!framed) return halt([reason("STAY", "nothing to allocate", { severity: "halt" })]);
      const { fixed, verdict, problem, priceUsd, totalUsd } = framed;
      const all: Reason[] = [...framed.reasons];
      const minIdleWeight = Math.max(verdict.minIdleWeight, opts.minIdleBps / 10_000);
      // Accrual drifts positions past caps and the idle share below its floor; within a few percent of
      // the bound that is not a reason to move.
      const stayFeasible =
        isFeasible(problem, problem.current, 1e-6, BOUND_DRIFT_PCT) &&
        toFloat(snapshot.vault.idle, opts.decimals) >=
          minIdleWeight * (totalUsd / priceUsd) * (1 - BOUND_DRIFT_PCT / 100);
      const slippagePct = problem.kinds.map((k) => opts.slippageBps[k] / 100);
      const pricing = buildPricing(problem, snapshot, fixed, totalUsd, opts.ownImpact, slippagePct);

      let around: number[] | undefined;
      if (stayFeasible) {
        const triggered = await switchTrigger(input, deps, sw, confirm, { problem, pricing });
        if (!Array.isArray(triggered)) return halt([...all, triggered]);
        around = triggered;
      }
      const solved = await solveAllocation(
        around ? linearisedAt(problem, pricing, around) : problem,
        deps.solver,
        signal,
        { closedForm: deps.closedForm !== false },
      );
      const moveOpts = { decimals: opts.decimals, minMoveUnits: opts.minMoveUnits, minIdleWeight };
      const candidates = [{ weights: solved.weights, method: solved.method }];
      if (around) candidates.push({ weights: around, method: "switch" });
      const best = bestPlan(snapshot, { problem, pricing }, candidates, moveOpts, all);
      if (!best) return halt([...all, reason("STAY", "the best plan is to stay", { severity: "halt" })]);
      const { mp, price } = best;
      if (stayFeasible && !pays(price, sw.hysteresis)) {
        const cost = price.moveCostUsd + price.gasUsd;
        return halt([
          ...all,
          reason(
            "STAY",
            `staying is as good: P10 gain $${price.gainP10Usd.toFixed(2)} over ${sw.holdingDays} days is below ${sw.hysteresis}× costs $${cost.toFixed(2)}`,
            { value: price.gainP10Usd, limit: sw.hysteresis * cost, severity: "halt" },
          ),
        ]);
      }
      const exits = new Set(verdict.forcedExits);
      const forced = mp.moves.some((m) => m.direction === "withdraw" && exits.has(m.sourceId));
      if (!stayFeasible) all.push(reason("BOUNDS_RESTORE", "the current allocation breaks a bound: moving"));
      const plan: Plan = {
        targetWeights: mp.targetWeights,
        moves: mp.moves,
        gainP10Usd: price.gainP10Usd - price.moveCostUsd,
        gainP50Usd: price.gainP50Usd - price.moveCostUsd,
        slippageUsd: price.moveCostUsd,
        needsApproval: forced,
      };
      return ok(
        plan,
        `${mp.moves.length} moves via ${best.method}; gain over ${sw.holdingDays} d P10 $${plan.gainP10Usd.toFixed(2)} P50 $${plan.gainP50Usd.toFixed(2)}`,
        all,
      );
    },
  };
}
