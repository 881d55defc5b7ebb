import type { Plan } from "../../domain/decision.ts";

/** Where an intent goes. */
export type Route = "direct" | "bundle" | "safe";

/** The configured routing. `auto` splits by the keeper's on-chain bounds. */
export interface RoutingPolicy {
  readonly route: Route | "auto";
  /** The route for moves inside the keeper bounds when `route` is `auto`. */
  readonly inBoundsRoute: "direct" | "bundle";
}

/** Revert names of the allocator's keeper bounds on size and loss (not rate limits: waiting fixes those). */
export const KEEPER_BOUND_ERRORS: ReadonlySet<string> = new Set([
  "MoveTooLarge",
  "LossTooHigh",
  "IdleBelowMinimum",
  "AdapterCapExceeded",
]);

/**
 * The routing rule: a plan the risk gate wants a human to approve, or one the keeper's on-chain
 * bounds would refuse (`keeperBoundError` is the simulated revert name, if any), is a Safe proposal;
 * anything else goes by the in-bounds route. A fixed route is used as configured.
 */
export function chooseRoute(policy: RoutingPolicy, plan: Plan, keeperBoundError: string | undefined): Route {
  if (policy.route !== "auto") return policy.route;
  if (plan.needsApproval) return "safe";
  if (keeperBoundError !== undefined && KEEPER_BOUND_ERRORS.has(keeperBoundError)) return "safe";
  return policy.inBoundsRoute;
}
