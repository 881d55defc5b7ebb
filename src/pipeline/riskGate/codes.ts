/**
 * Rules that can bind a source's cap, named inside `CAP_BOUND` reasons. The reason codes the gate emits
 * (triggers, halts, freezes, exits, notes) are catalogued with every other code in src/domain/codes.ts.
 */
export const CAP_RULES = {
  MAX_WEIGHT: "per-source maximum weight (strategy.maxWeightPerSourceBps)",
  DEPTH: "pool TVL / minDepthToPositionRatio",
  LIQUIDITY: "available liquidity (supply − borrows) of a lending source",
  EXIT_COST: "largest LP position whose exit costs ≤ maxExitCostBps",
  ENTRY_SLIPPAGE: "largest LP deposit whose entry swap stays ≤ half the adapter's slippage bound",
  VAR_LIMIT: "standalone or portfolio VaR limit",
  CVAR_LIMIT: "standalone or portfolio CVaR limit",
  EVAR_LIMIT: "standalone or portfolio EVaR limit",
} as const;
