import { formatUnits } from "../../domain/amounts.ts";
import { isDecisionCode, lookupCode } from "../../domain/codes.ts";
import type { Action, Move } from "../../domain/decision.ts";
import { KeelError } from "../../domain/errors.ts";
import { type Reason, reason } from "../../domain/reasons.ts";
import type { BaseAsset } from "../../domain/snapshot.ts";
import type { Executor, Intent } from "../../ports/execution.ts";
import { halt, ok, type Stage } from "../stage.ts";

/** Options of the execute stage. */
export interface ExecuteStageOptions {
  /** Record what would be sent and send nothing. */
  readonly dryRun: boolean;
  /** Shadow mode (`execution.mode: shadow`): decide everything, record what would be sent, send nothing (a dry run wins). */
  readonly shadow?: boolean;
}

/** Ports the execute stage needs. */
export interface ExecuteStageDeps {
  readonly executor: Executor;
  /** Names the route an intent would take (dry-run records it); optional. */
  readonly routeFor?: (intent: Intent) => Promise<string>;
}

/** One line per move, in the base asset's units: `withdraw 100.00 USDC from 0xabc…; deposit 100.00 USDC to 0xdef…`. */
export function describeMoves(moves: readonly Move[], asset: Pick<BaseAsset, "symbol" | "decimals">): string {
  return moves
    .map(
      (m) =>
        `${m.direction} ${formatUnits(m.amount, asset.decimals)} ${asset.symbol} ${m.direction === "deposit" ? "to" : "from"} ${m.sourceId}`,
    )
    .join("; ");
}

/**
 * An executor's refusal that is a wait on people, not a failure — a code the catalogue grades `wait`
 * (PROPOSAL_PENDING: a Safe proposal still collecting signatures) — as the halt reason it is.
 */
function waiting(err: unknown): Reason | undefined {
  if (!(err instanceof KeelError) || !isDecisionCode(err.code) || lookupCode(err.code)?.severity !== "wait")
    return undefined;
  return reason(err.code, err.message, { severity: "info" });
}

/**
 * The execute stage: hands a non-empty plan to the executor (direct, bundle or Safe), or, in
 * shadow or dry-run mode, records what would be sent (and by which route) and sends nothing. A plan with no moves is a halt, and so
 * is an executor that must wait for people (a Safe proposal waiting for signatures); failures throw.
 */
export function createExecuteStage(opts: ExecuteStageOptions, deps: ExecuteStageDeps): Stage<Intent, Action> {
  return {
    async run(intent, signal) {
      const r = intent.plan.rerange;
      if (intent.plan.moves.length === 0 && !r) {
        return halt([reason("NO_MOVES", "plan has no moves: nothing to execute", { severity: "info" })]);
      }
      const what = r
        ? `re-range ${r.sourceId} to [${r.tickLower}, ${r.tickUpper})`
        : describeMoves(intent.plan.moves, intent.snapshot.baseAsset);
      if (opts.dryRun) {
        const action: Action = { route: "dry-run", intentId: intent.id, txHashes: [], status: "recorded" };
        const via = deps.routeFor ? ` via ${await deps.routeFor(intent)}` : "";
        const count = r ? "a re-range" : `${intent.plan.moves.length} move(s)`;
        return ok(action, `dry-run: would send ${count}${via}: ${what}`);
      }
      if (opts.shadow) {
        const wouldRoute = deps.routeFor ? await deps.routeFor(intent) : undefined;
        const action: Action = {
          route: "shadow",
          intentId: intent.id,
          txHashes: [],
          status: "recorded",
          ...(wouldRoute === undefined ? {} : { wouldRoute }),
        };
        const via = wouldRoute === undefined ? "" : ` via ${wouldRoute}`;
        return ok(action, `shadow: would have sent ${intent.plan.moves.length} move(s)${via}: ${what}`);
      }
      signal.throwIfAborted();
      let action: Action;
      try {
        action = await deps.executor.execute(intent, signal);
      } catch (err) {
        const wait = waiting(err);
        if (wait) return halt([wait]);
        throw err;
      }
      const where = action.block === undefined ? "" : ` in block ${action.block}`;
      const hashes = action.txHashes.length > 0 ? ` tx ${action.txHashes.join(",")}` : "";
      return ok(action, `${action.route} ${action.status}${hashes}${where}: ${what}`);
    },
  };
}
