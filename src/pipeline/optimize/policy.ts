import type { Plan } from "../../domain/decision.ts";
import { describeError } from "../../domain/errors.ts";
import { type Reason, reason } from "../../domain/reasons.ts";
import type { AllocationPolicy } from "../../ports/policy.ts";
import { halt, ok, type Stage, type StageResult } from "../stage.ts";
import type { OptimizeInput } from "../types.ts";
import { limitedMoves } from "./keeperBounds.ts";
import { frameProblem, type OptimizeOptions } from "./optimize.ts";
import { gainOfMoves } from "./plan.ts";
import { policyObservation } from "./policyObservation.ts";
import type { AllocationProblem } from "./problem.ts";

/** What the policy optimizer needs: the policy (when it loaded) and the rule that serves without it. */
export interface PolicyOptimizeDeps {
  /** The learned policy; undefined when it could not be loaded (the rule serves, with the reason). */
  readonly policy: AllocationPolicy | undefined;
  readonly unavailableReason?: string;
  /** The rule-based optimizer (`createOptimizeStage`). */
  readonly rule: Stage<OptimizeInput, Plan>;
}

/** Weights inside the problem's bounds, and how much weight the bounds took away from the policy's answer. */
export interface ProjectedWeights {
  readonly weights: number[];
  /** Σ |projected − proposed| over sources. */
  readonly clippedWeight: number;
  /** Sources whose proposed weight was outside [lower, upper]. */
  readonly clipped: string[];
}

/**
 * The policy's proposal projected onto what the risk gate and the keeper bounds allow: each source clipped
 * to [lower, upper] (caps, frozen sources, forced exits, withdrawal limits), then, when the total exceeds
 * `maxInvested` (1 − the idle buffer), the part above the lower bounds scaled down pro rata. The weight
 * taken away stays idle.
 */
export function projectOntoBounds(proposed: readonly number[], p: AllocationProblem): ProjectedWeights {
  const clipped: string[] = [];
  const w = p.ids.map((id, i) => {
    const x = proposed[i] ?? 0;
    const lo = p.lower[i] ?? 0;
    const hi = Math.max(lo, p.upper[i] ?? 0);
    if (x < lo - 1e-12 || x > hi + 1e-12) clipped.push(id);
    return Math.min(hi, Math.max(lo, x));
  });
  const total = w.reduce((a, b) => a + b, 0);
  if (total > p.maxInvested) {
    const floor = p.lower.reduce((a, b) => a + b, 0);
    const above = total - floor;
    const f = above > 0 ? Math.max(0, p.maxInvested - floor) / above : 0;
    for (let i = 0; i < w.length; i++) w[i] = (p.lower[i] ?? 0) + f * ((w[i] ?? 0) - (p.lower[i] ?? 0));
  }
  const clippedWeight = w.reduce((acc, x, i) => acc + Math.abs(x - (proposed[i] ?? 0)), 0);
  return { weights: w, clippedWeight, clipped };
}

/** The policy's answer as source weights, or why it cannot be used. */
function readAnswer(out: Float32Array, n: number): number[] | string {
  if (out.length !== n + 1) return `the policy answered ${out.length} weights for ${n} sources and idle`;
  const w = Array.from(out);
  if (w.some((x) => !Number.isFinite(x) || x < 0)) return "the policy answered a negative or non-finite weight";
  return w.slice(0, n);
}

/**
 * The optimize stage with a learned policy in place of the rule: the same allocation problem (the risk
 * gate's caps, frozen sources and forced exits, the allocator's bounds, the idle buffer), the policy's
 * target weights projected onto it (`POLICY_CLIPPED` when the bounds cut them), the same moves
 * (withdrawals first, minimum move, per-rebalance move limit) and the same P10/P50 gain estimate the gas
 * check weighs against k × gas. Halts with `STAY` when the target needs no move. Without a policy, or when
 * it fails or answers nonsense, the rule serves and says why (`POLICY_UNAVAILABLE`, `POLICY_FAILED`).
 */
export function createPolicyOptimizeStage(opts: OptimizeOptions, deps: PolicyOptimizeDeps): Stage<OptimizeInput, Plan> {
  const byRule = async (input: OptimizeInput, signal: AbortSignal, why: Reason): Promise<StageResult<Plan>> => {
    const r = await deps.rule.run(input, signal);
    return r.status === "ok" ? ok(r.value, r.summary, [why, ...(r.reasons ?? [])]) : halt([why, ...r.reasons]);
  };
  return {
    async run(input, signal) {
      const policy = deps.policy;
      if (!policy) {
        const why = deps.unavailableReason ?? "no policy loaded";
        return byRule(
          input,
          signal,
          reason("POLICY_UNAVAILABLE", `rule optimizer serves: ${why}`, { severity: "warn" }),
        );
      }
      const { snapshot } = input;
      const framed = frameProblem(input, opts);
      if (!framed) return halt([reason("STAY", "nothing to allocate", { severity: "halt" })]);
      const { verdict, problem, reasons, priceUsd } = framed;
      const n = problem.ids.length;
      let answer: number[] | string;
      try {
        answer = readAnswer(await policy.act(policyObservation({ ...input, verdict }, problem), n, signal), n);
      } catch (err) {
        signal.throwIfAborted();
        const e = describeError(err);
        answer = `[${e.code}] ${e.message}`;
      }
      if (typeof answer === "string") {
        return byRule(input, signal, reason("POLICY_FAILED", `rule optimizer serves: ${answer}`, { severity: "warn" }));
      }
      const all: Reason[] = [...reasons];
      const projected = projectOntoBounds(answer, problem);
      if (projected.clipped.length > 0) {
        all.push(
          reason("POLICY_CLIPPED", `the policy's weights for ${projected.clipped.join(", ")} were cut to the bounds`, {
            value: projected.clippedWeight,
          }),
        );
      }
      const minIdleWeight = Math.max(verdict.minIdleWeight, opts.minIdleBps / 10_000);
      const moveOpts = { decimals: opts.decimals, minMoveUnits: opts.minMoveUnits, minIdleWeight };
      const mp = limitedMoves(snapshot, problem, projected.weights, moveOpts, all);
      if (mp.moves.length === 0) {
        return halt([...all, reason("STAY", "the policy's target needs no move", { severity: "halt" })]);
      }
      const gains = gainOfMoves(problem, mp.deltaUnits, priceUsd);
      const exits = new Set(verdict.forcedExits);
      const plan: Plan = {
        targetWeights: mp.targetWeights,
        moves: mp.moves,
        gainP10Usd: gains.gainP10Usd,
        gainP50Usd: gains.gainP50Usd,
        slippageUsd: gains.slippageUsd,
        needsApproval: mp.moves.some((m) => m.direction === "withdraw" && exits.has(m.sourceId)),
      };
      return ok(
        plan,
        `${mp.moves.length} moves via policy ${policy.hash.slice(0, 12)}; gain P10 $${gains.gainP10Usd.toFixed(2)} P50 $${gains.gainP50Usd.toFixed(2)}`,
        all,
      );
    },
  };
}
