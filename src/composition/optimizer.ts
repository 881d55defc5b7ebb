import type { Plan } from "../domain/decision.ts";
import { createOptimizeStage } from "../pipeline/optimize/optimize.ts";
import { createPolicyOptimizeStage } from "../pipeline/optimize/policy.ts";
import { withRerange } from "../pipeline/optimize/rerangeStep.ts";
import type { LpSolver } from "../pipeline/optimize/solver.ts";
import type { Stage } from "../pipeline/stage.ts";
import type { OptimizeInput } from "../pipeline/types.ts";
import type { AllocationPolicy } from "../ports/policy.ts";
import type { StageOptions } from "./stageOptions.ts";

/** What the optimize stage is built with: the solver, and the policy when `strategy.optimizer` is `policy`. */
export interface OptimizerDeps {
  readonly solver?: LpSolver;
  /** Solve one-source allocations in closed form (default true). */
  readonly closedForm?: boolean;
  /** Unix seconds of past executed rebalances (the switching rule's minimum holding time). */
  readonly rebalanceTimes?: () => Promise<number[]>;
  readonly policy?: AllocationPolicy | undefined;
  /** Why the policy is missing, when it is. */
  readonly policyUnavailableReason?: string;
}

/**
 * The optimize stage `strategy.optimizer` names: the rule (`createOptimizeStage`), or the learned policy
 * (`createPolicyOptimizeStage`) with the rule serving whenever the policy cannot, followed by the re-range step
 * (`withRerange`, `strategy.rerange`). The daemon and the backtest both build it here.
 */
export function createOptimizer(options: StageOptions, deps: OptimizerDeps): Stage<OptimizeInput, Plan> {
  const rule = createOptimizeStage(options.optimize, {
    ...(deps.solver ? { solver: deps.solver } : {}),
    closedForm: deps.closedForm !== false,
    ...(deps.rebalanceTimes ? { rebalanceTimes: deps.rebalanceTimes } : {}),
  });
  const stage =
    options.optimizer.optimizer !== "policy"
      ? rule
      : createPolicyOptimizeStage(options.optimize, {
          policy: deps.policy,
          ...(deps.policyUnavailableReason ? { unavailableReason: deps.policyUnavailableReason } : {}),
          rule,
        });
  // Uniswap v3 positions are re-ranged when the allocation stays (backtest snapshots carry no range limits).
  return options.optimize.rerange ? withRerange(stage, options.optimize.rerange) : stage;
}
