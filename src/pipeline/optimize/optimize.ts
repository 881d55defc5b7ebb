import { toFloat } from "../../domain/amounts.ts";
import type { Plan, RiskVerdict } from "../../domain/decision.ts";
import { type Reason, reason } from "../../domain/reasons.ts";
import type { SourceKind } from "../../domain/snapshot.ts";
import { estimateFees, weiToUsd } from "../gasCheck/fees.ts";
import type { GasModelOptions } from "../gasCheck/gasModel.ts";
import { halt, ok, type Stage } from "../stage.ts";
import type { OptimizeInput } from "../types.ts";
import { withinMoveLimit, withKeeperBounds } from "./keeperBounds.ts";
import { gainOfMoves, movesFromWeights } from "./plan.ts";
import { type AllocationProblem, buildProblem, type FixedCostsUsd, isFeasible, objectiveValue } from "./problem.ts";
import { type LpSolver, solveAllocation } from "./solver.ts";

/** Optimizer options: `config.strategy` plus the vault's base-asset facts. */
export interface OptimizeOptions {
  readonly horizonDays: number;
  readonly minIdleBps: number;
  readonly maxWeightPerSourceBps: number;
  readonly minMoveUnits: number;
  readonly riskAversion: number;
  readonly objective: "cvar" | "mean-variance" | "greedy";
  readonly solverFixedCosts: boolean;
  readonly cvarAlpha: number;
  readonly scenarioCount: number;
  readonly scenarioCorrelation: number;
  readonly slippageBps: Readonly<Record<SourceKind, number>>;
  readonly gasModel: GasModelOptions;
  /** Base asset decimals and USD price of one whole unit (used when the snapshot carries no price). */
  readonly decimals: number;
  readonly basePriceUsd: number;
}

/** Optional ports: the LP/QP solver (HiGHS adapter); without it the closed-form allocation is used. */
export interface OptimizeDeps {
  readonly solver?: LpSolver;
  /** Solve one-source CVaR problems in closed form (the solver's own answer, faster); default true. */
  readonly closedForm?: boolean;
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
  return { base: usd(model.baseGas), deposit: per(model.depositGas), withdraw: per(model.withdrawGas) };
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
 * The optimize stage: maximises the risk-adjusted net yield over the horizon (CVaR or mean-variance,
 * solved by the injected LP solver) within the risk gate's caps, frozen sources, forced exits and the
 * min idle buffer, turns the weights into bigint moves (withdrawals first) and prices them against
 * staying. "Stay" is always a candidate and wins ties: the stage halts with `STAY` when moving is not
 * strictly better after slippage and estimated gas, unless the current allocation breaks a bound.
 */
export function createOptimizeStage(opts: OptimizeOptions, deps: OptimizeDeps = {}): Stage<OptimizeInput, Plan> {
  return {
    async run(input, signal) {
      const { snapshot } = input;
      const framed = frameProblem(input, opts);
      if (!framed) return halt([reason("STAY", "nothing to allocate", { severity: "halt" })]);
      const { fixed, verdict, problem, reasons, priceUsd, totalUsd } = framed;
      const allocation = await solveAllocation(problem, deps.solver, signal, { closedForm: deps.closedForm !== false });
      const minIdleWeight = Math.max(verdict.minIdleWeight, opts.minIdleBps / 10_000);
      const moveOpts = { decimals: opts.decimals, minMoveUnits: opts.minMoveUnits, minIdleWeight };
      const limited = withinMoveLimit(
        snapshot,
        problem,
        movesFromWeights(snapshot, problem.ids, allocation.weights, moveOpts),
        moveOpts,
      );
      const mp = limited.plan;
      const shortened = limited.shortened;
      // Accrual drifts positions past caps and the idle share below its floor; within a few percent of
      // the bound that is not a reason to move.
      const stayFeasible =
        isFeasible(problem, problem.current, 1e-6, BOUND_DRIFT_PCT) &&
        toFloat(snapshot.vault.idle, opts.decimals) >=
          minIdleWeight * (totalUsd / priceUsd) * (1 - BOUND_DRIFT_PCT / 100);
      const all: Reason[] = shortened ? [...reasons, shortened] : [...reasons];
      if (mp.moves.length === 0) {
        return halt([...all, reason("STAY", "the best plan is to stay", { severity: "halt" })]);
      }
      const gains = gainOfMoves(problem, mp.deltaUnits, priceUsd);
      const achieved = problem.ids.map((id) => mp.targetWeights[id] ?? 0);
      const kindOf = (id: string) => problem.kinds[problem.ids.indexOf(id)] ?? "lending";
      const gasUsd = mp.moves.reduce(
        (acc, m) => acc + (m.direction === "deposit" ? fixed.deposit : fixed.withdraw)[kindOf(m.sourceId)],
        fixed.base,
      );
      const improvementUsd =
        ((objectiveValue(problem, achieved) - objectiveValue(problem, problem.current)) * totalUsd) / 100 - gasUsd;
      const tie = Math.max(0.01, totalUsd * 1e-9);
      if (stayFeasible && !(improvementUsd > tie)) {
        return halt([
          ...all,
          reason("STAY", `staying is as good: moving adds $${improvementUsd.toFixed(2)} risk-adjusted after costs`, {
            value: improvementUsd,
            limit: tie,
            severity: "halt",
          }),
        ]);
      }
      const exits = new Set(verdict.forcedExits);
      const forced = mp.moves.some((m) => m.direction === "withdraw" && exits.has(m.sourceId));
      if (!stayFeasible) all.push(reason("BOUNDS_RESTORE", "the current allocation breaks a bound: moving"));
      const plan: Plan = {
        targetWeights: mp.targetWeights,
        moves: mp.moves,
        gainP10Usd: gains.gainP10Usd,
        gainP50Usd: gains.gainP50Usd,
        slippageUsd: gains.slippageUsd,
        needsApproval: forced,
      };
      return ok(
        plan,
        `${mp.moves.length} moves via ${allocation.method}; gain P10 $${gains.gainP10Usd.toFixed(2)} P50 $${gains.gainP50Usd.toFixed(2)}`,
        all,
      );
    },
  };
}
