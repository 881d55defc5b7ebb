import type { Action } from "../domain/decision.ts";
import { KeelError } from "../domain/errors.ts";
import { chooseRoute, type Route, type RoutingPolicy } from "../pipeline/execute/route.ts";
import type { ChainReader, RebalanceEncoder } from "../ports/chainReader.ts";
import type { Executor, Intent } from "../ports/execution.ts";
import { revertNameOf } from "./errors.ts";

/** Ports: the executors per route (only those configured) and what the bounds check needs. */
export interface RoutingExecutorDeps {
  readonly executors: Partial<Record<Route, Executor>>;
  readonly chain: Pick<ChainReader, "simulate">;
  readonly encoder: RebalanceEncoder;
  /** The keeper address whose bounds decide `auto` routing. */
  readonly keeper: string;
}

/** An executor that picks the route per intent; `routeFor` tells (for dry-run records) without sending. */
export interface RoutingExecutor extends Executor {
  routeFor(intent: Intent): Promise<Route>;
}

/**
 * Routes each intent by the routing rule (`chooseRoute`): under `auto`, the rebalance is simulated
 * as the keeper and a revert on a size/loss bound sends it to the Safe instead. A re-range goes by the direct or
 * bundle route (`auto`: the in-bounds route); the Safe route refuses it (RERANGE_ROUTE_UNSUPPORTED).
 */
export function createRoutingExecutor(
  policy: RoutingPolicy & { allocator: string },
  deps: RoutingExecutorDeps,
): RoutingExecutor {
  async function keeperBoundError(intent: Intent): Promise<string | undefined> {
    try {
      await deps.chain.simulate({
        from: deps.keeper,
        to: policy.allocator,
        data: deps.encoder.encodeRebalance(intent.id, intent.plan.moves, intent.commitment),
      });
      return undefined;
    } catch (err) {
      return revertNameOf(err);
    }
  }

  async function routeFor(intent: Intent): Promise<Route> {
    // A re-range is the keeper's own call on the adapter, bounded there: never a Safe proposal under `auto`.
    if (intent.plan.rerange) return policy.route === "auto" ? policy.inBoundsRoute : policy.route;
    if (policy.route !== "auto") return policy.route;
    if (intent.plan.needsApproval) return "safe";
    return chooseRoute(policy, intent.plan, await keeperBoundError(intent));
  }

  return {
    routeFor,
    async execute(intent: Intent, signal: AbortSignal): Promise<Action> {
      const route = await routeFor(intent);
      if (intent.plan.rerange && route === "safe") {
        throw new KeelError(
          "RERANGE_ROUTE_UNSUPPORTED",
          "a re-range is the keeper's own call (direct or bundle route); the Safe route does not carry it",
          { retryable: false, context: { route } },
        );
      }
      const executor = deps.executors[route];
      if (!executor) {
        throw new KeelError("ROUTE_NOT_CONFIGURED", `route ${route} is needed but not configured`, {
          retryable: false,
          context: { route },
        });
      }
      return executor.execute(intent, signal);
    },
  };
}
