/**
 * Re-range decision for a Uniswap v3 position: move the range back around the price only when the fees the
 * recentred range is expected to earn over the horizon, beyond what the current range would earn, less the extra
 * impermanent loss it is expected to take (a centred range is exposed to every move; one the price has left is
 * not), pay for the re-range's gas and swap cost (times a hysteresis). The new range has the current width (clamped to the adapter's
 * limits), is centred on the oracle price and aligned to the pool's tick spacing, so the adapter's on-chain checks
 * (width, alignment, centre offset, interval) hold by construction.
 */
import type { LpRange, RangeLimits } from "../../domain/snapshot.ts";
import { ilOutlook, type PriceRange } from "../riskGate/il.ts";

/** What the decision weighs. */
export interface RerangeInput {
  readonly range: LpRange;
  /** The oracle price in the range's convention (token1 per token0, whole tokens). */
  readonly oraclePrice: number;
  /** Our position, USD. */
  readonly positionUsd: number;
  /** Fee APR an in-range position earns (the pool's fee growth per unit of active liquidity), %. */
  readonly inRangeAprPct: number;
  /** Annualised volatility of the pair's price, %. */
  readonly priceVolPct: number;
  readonly horizonDays: number;
  /** Gas of one re-range, USD. */
  readonly gasUsd: number;
  /** Cost per unit swapped (pool fee + price impact), bps. */
  readonly swapCostBps: number;
  /** Required ratio of expected extra fees to costs (≥ 1). */
  readonly hysteresis: number;
  readonly limits: RangeLimits;
  /** Unix seconds. */
  readonly now: number;
}

/** The decision and its figures. */
export interface RerangeDecision {
  readonly act: boolean;
  readonly tickLower: number;
  readonly tickUpper: number;
  /** Expected extra fees less extra impermanent loss of the new range over the current one, over the horizon, USD. */
  readonly gainUsd: number;
  /** Gas + swap cost, USD. */
  readonly costUsd: number;
  readonly reason: string;
}

const LOG_TICK = Math.log(1.0001);

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Expected share of the next `horizonDays` the price spends in [lower, upper] (relative to the price now = 1), with
 * ln p_t ~ N(0, σ² t): the average over 16 points in time of P(lower ≤ p_t ≤ upper).
 */
export function inRangeShare(lower: number, upper: number, volPct: number, horizonDays: number): number {
  const sigma = volPct / 100;
  const steps = 16;
  let sum = 0;
  for (let k = 1; k <= steps; k++) {
    const sd = sigma * Math.sqrt(((horizonDays / 365) * k) / steps);
    if (!(sd > 0)) {
      sum += lower <= 1 && 1 <= upper ? 1 : 0;
      continue;
    }
    sum += normalCdf(Math.log(upper) / sd) - normalCdf(Math.log(lower) / sd);
  }
  return sum / steps;
}

/**
 * Share of a position's value that a re-range swaps: the difference between the value share of token0 held now and
 * the one the new range needs at the price (both in [0, 1]).
 */
function swappedShare(range: { lower: number; upper: number }, p: number, from: { lower: number; upper: number }) {
  const share0 = (r: { lower: number; upper: number }) => {
    const sa = Math.sqrt(r.lower);
    const sb = Math.sqrt(r.upper);
    const sp = Math.min(Math.max(Math.sqrt(p), sa), sb);
    const v0 = (1 / sp - 1 / sb) * p; // token0 of one unit of liquidity, valued in token1
    const v1 = sp - sa;
    return v0 + v1 > 0 ? v0 / (v0 + v1) : 0;
  };
  return Math.abs(share0(range) - share0(from));
}

/** Decides whether to re-range the position now, and to which range. */
export function decideRerange(input: RerangeInput): RerangeDecision {
  const { range, limits, oraclePrice: p } = input;
  const width = Math.min(limits.maxWidthTicks, Math.max(limits.minWidthTicks, range.tickUpper - range.tickLower));
  let half = Math.ceil(width / 2 / limits.tickSpacing) * limits.tickSpacing;
  if (2 * half > limits.maxWidthTicks) half -= limits.tickSpacing;
  // Ticks of the range's prices: price = scale · 1.0001^tick, with scale from the range itself.
  const scale = range.priceLower / 1.0001 ** range.tickLower;
  const centre = Math.round(Math.log(p / scale) / LOG_TICK / limits.tickSpacing) * limits.tickSpacing;
  const [tickLower, tickUpper] = [centre - half, centre + half];
  const none = (reason: string, gainUsd = 0, costUsd = 0): RerangeDecision => ({
    act: false,
    tickLower,
    tickUpper,
    gainUsd,
    costUsd,
    reason,
  });
  if (tickLower === range.tickLower && tickUpper === range.tickUpper) return none("range already centred");
  const next = limits.lastRerangeAt + limits.minRerangeIntervalSeconds;
  if (input.now < next) return none(`re-range interval: next at ${next}`);
  const rel = (t: number) => (scale * 1.0001 ** t) / p;
  const cur = { lower: rel(range.tickLower), upper: rel(range.tickUpper) };
  const nxt = { lower: rel(tickLower), upper: rel(tickUpper) };
  const feesOver = (share: number) =>
    input.positionUsd * (input.inRangeAprPct / 100) * (input.horizonDays / 365) * share;
  // The in-range APR is the current range's; the same capital over a narrower range earns more per unit of time in
  // range, in proportion to 1 / (1 − √(pl/pu)).
  const conc = (r: { lower: number; upper: number }) => 1 / (1 - Math.sqrt(r.lower / r.upper));
  const keep = feesOver(inRangeShare(cur.lower, cur.upper, input.priceVolPct, input.horizonDays));
  const move = feesOver(
    (inRangeShare(nxt.lower, nxt.upper, input.priceVolPct, input.horizonDays) * conc(nxt)) / conc(cur),
  );
  // Expected IL over the horizon (≤ 0, range-aware: the gate's lognormal quadrature), USD.
  const il = (r: PriceRange) => ilOutlook(input.priceVolPct, input.horizonDays, 0.95, r).expected * input.positionUsd;
  const extraIl = il(cur) - il(nxt);
  const swap = swappedShare({ lower: nxt.lower * p, upper: nxt.upper * p }, p, {
    lower: cur.lower * p,
    upper: cur.upper * p,
  });
  const costUsd = input.gasUsd + input.positionUsd * swap * (input.swapCostBps / 10_000);
  const gainUsd = move - keep - extraIl;
  const fees = `extra fees $${(move - keep).toFixed(2)} − extra IL $${extraIl.toFixed(2)}`;
  if (gainUsd < input.hysteresis * costUsd) {
    return none(`${fees} < ${input.hysteresis} × cost $${costUsd.toFixed(2)}`, gainUsd, costUsd);
  }
  return {
    act: true,
    tickLower,
    tickUpper,
    gainUsd,
    costUsd,
    reason: `re-range to [${tickLower}, ${tickUpper}): ${fees} ≥ ${input.hysteresis} × cost $${costUsd.toFixed(2)}`,
  };
}
