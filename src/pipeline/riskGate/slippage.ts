/** Exit cost: AMM price impact (Uniswap v2 constant product) and lending liquidity. */

/** Uniswap v2 `getAmountOut` in base units, exactly as UniswapV2Library (fee in bps, 30 = 0.3 %). */
export function getAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feeBps = 30n): bigint {
  if (amountIn <= 0n || reserveIn <= 0n || reserveOut <= 0n) return 0n;
  const withFee = amountIn * (10_000n - feeBps);
  return (withFee * reserveOut) / (reserveIn * 10_000n + withFee);
}

/** The same in floats (modelling): tokens out for `amountIn` tokens in. */
export function amountOutFloat(amountIn: number, reserveIn: number, reserveOut: number, feeBps: number): number {
  if (!(amountIn > 0 && reserveIn > 0 && reserveOut > 0)) return 0;
  const withFee = amountIn * (1 - feeBps / 10_000);
  return (withFee * reserveOut) / (reserveIn + withFee);
}

/**
 * Cost of selling `amountIn` into a constant-product pool, as a fraction of its value at the spot price:
 * 1 − (1 − f)·R / (R + (1 − f)·x) (fee plus price impact).
 */
export function swapCost(amountIn: number, reserveIn: number, feeBps: number): number {
  if (!(reserveIn > 0)) return 1;
  if (!(amountIn > 0)) return 0;
  const g = 1 - feeBps / 10_000;
  return 1 - (g * reserveIn) / (reserveIn + g * amountIn);
}

/** The largest amount that can be sold into the pool at a cost of at most `maxCost` (fraction); 0 when the fee alone exceeds it. */
export function maxSwapForCost(reserveIn: number, feeBps: number, maxCost: number): number {
  const g = 1 - feeBps / 10_000;
  if (!(reserveIn > 0) || maxCost >= 1) return maxCost >= 1 ? Infinity : 0;
  const x = (reserveIn * (g / (1 - maxCost) - 1)) / g;
  return Math.max(0, x);
}

/**
 * Exit cost of an LP position of `positionUsd`: burning returns half in each token; the half that is not
 * the base asset is sold through the same pool (whose reserves shrink by our share first). Returns the
 * cost as a fraction of the position.
 */
export function lpExitCost(positionUsd: number, tvlUsd: number, reserveInTokens: number, feeBps: number): number {
  if (!(positionUsd > 0)) return 0;
  if (!(tvlUsd > 0) || !(reserveInTokens > 0)) return 1;
  const share = Math.min(1, positionUsd / tvlUsd);
  const reserveAfterBurn = reserveInTokens * (1 - share);
  // Half the position, in tokens of the sold side: the sold side is worth tvl/2 for reserveInTokens.
  const amountIn = (positionUsd / 2 / (tvlUsd / 2)) * reserveInTokens;
  return swapCost(amountIn, reserveAfterBurn, feeBps) / 2;
}

/** The largest LP position (USD) whose exit costs at most `maxCost` of the position. */
export function maxLpPositionForCost(tvlUsd: number, feeBps: number, maxCost: number): number {
  if (!(tvlUsd > 0)) return 0;
  // Work in USD units of the sold side (reserve = tvl / 2), ignoring the burn of our own share (it is
  // refined by lpExitCost for the actual position).
  const maxHalf = maxSwapForCost(tvlUsd / 2, feeBps, Math.min(1, 2 * maxCost));
  return 2 * maxHalf;
}

/** Share of a lending position that could leave now, from available liquidity (supply − borrows). */
export function lendingExitableShare(positionUsd: number, availableUsd: number): number {
  if (!(positionUsd > 0)) return 1;
  return Math.max(0, Math.min(1, availableUsd / positionUsd));
}
