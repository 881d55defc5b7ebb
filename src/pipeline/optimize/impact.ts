/**
 * What the vault's own moves do to the prices it trades at: a swap leg's fee and price impact, and a lending
 * market's supply rate after the vault adds or removes supply (the market's kinked interest-rate model).
 * Pure functions, shared by the optimizer (to plan) and the backtest (to charge): one model of the costs.
 */

/**
 * A kinked (two-slope) borrow-rate model, Aave's shape: below the optimal utilisation the borrow APR rises
 * from `baseRatePct` by `slope1Pct` at the kink, above it by `slope2Pct` more at full utilisation.
 */
export interface KinkedIrm {
  readonly optimalUtilization: number;
  readonly baseRatePct: number;
  readonly slope1Pct: number;
  readonly slope2Pct: number;
}

/** Borrow APR in % at utilisation `u` (clamped to 0..1). */
export function borrowAprPct(u: number, irm: KinkedIrm): number {
  const x = Math.min(Math.max(u, 0), 1);
  const k = Math.min(Math.max(irm.optimalUtilization, 1e-6), 1 - 1e-6);
  if (x <= k) return irm.baseRatePct + (irm.slope1Pct * x) / k;
  return irm.baseRatePct + irm.slope1Pct + (irm.slope2Pct * (x - k)) / (1 - k);
}

/** The supply APR's shape in utilisation: borrowers' interest shared among suppliers, U × borrow(U). */
function supplyShape(u: number, irm: KinkedIrm): number {
  return Math.min(Math.max(u, 0), 1) * borrowAprPct(u, irm);
}

/** A lending market as observed (with our own position in it). */
export interface MarketObservation {
  readonly aprPct: number;
  readonly tvlUsd: number;
  readonly utilization: number | null;
}

/**
 * The market's utilisation when our supply in it goes from `beforeUsd` to `afterUsd`: the borrows stay
 * (U·T), the total supply becomes T − before + after. Null when the market has no utilisation.
 */
export function utilizationAfter(obs: MarketObservation, beforeUsd: number, afterUsd: number): number | null {
  if (obs.utilization === null || !(obs.tvlUsd > 0)) return obs.utilization;
  const borrowed = obs.utilization * obs.tvlUsd;
  const supply = obs.tvlUsd - beforeUsd + afterUsd;
  return supply > borrowed ? borrowed / supply : 1;
}

/**
 * The supply APR after our position changes from `beforeUsd` to `afterUsd`, given the observation (which
 * includes `beforeUsd`): the observed rate scaled by the model's supply-rate shape at the new utilisation
 * over the old one. Calibrated on the observation, so a reserve factor or a slope the governance changed
 * cancels; only the kink's shape matters. Without utilisation or TVL the rate is unchanged.
 */
export function aprAfterSupplyChange(
  obs: MarketObservation,
  beforeUsd: number,
  afterUsd: number,
  irm: KinkedIrm,
): number {
  const u0 = obs.utilization;
  const u1 = utilizationAfter(obs, beforeUsd, afterUsd);
  if (u0 === null || u1 === null || u0 === u1) return obs.aprPct;
  const s0 = supplyShape(u0, irm);
  if (!(s0 > 0)) return obs.aprPct;
  return (obs.aprPct * supplyShape(u1, irm)) / s0;
}

/** An on-chain swap route between the vault's asset and another token (a Uniswap v3 pool, in range). */
export interface SwapRoute {
  /** Pool fee, bps of the amount in. */
  readonly feeBps: number;
  /** Virtual reserve of each side at the current price, USD (v3 in range: L/√P); impact ≈ amount / reserve. */
  readonly virtualReserveUsd: number;
}

/**
 * Share of `amountUsd` lost swapping it through the route at the oracle price: the fee is taken from the
 * amount in, the rest trades on the constant product of the virtual reserves (Uniswap v3 within one
 * range): out = R·a(1 − f) / (R + a(1 − f)).
 */
export function swapCostFraction(amountUsd: number, route: SwapRoute): number {
  const a = Math.max(0, amountUsd);
  const f = route.feeBps / 10_000;
  if (a === 0) return f;
  const net = a * (1 - f);
  const r = route.virtualReserveUsd;
  if (!(r > 0)) return 1;
  return 1 - (r * (1 - f)) / (r + net);
}

/** The own-impact settings (`strategy.ownImpact`). */
export interface OwnImpactOptions {
  readonly enabled: boolean;
  readonly irm: KinkedIrm;
  readonly irmBySource: Readonly<Record<string, KinkedIrm>>;
}

/** The rate model of one lending source: its own entry, else the default; undefined when own impact is off. */
export function irmOf(opts: OwnImpactOptions, sourceId: string): KinkedIrm | undefined {
  if (!opts.enabled) return undefined;
  return opts.irmBySource[sourceId] ?? opts.irm;
}
