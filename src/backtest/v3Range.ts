/**
 * Replay of one Uniswap v3 position on a dataset pool (daily fee APR and daily prices), with three range policies:
 * `static` (opened centred, never moved), `always` (re-centred whenever the price left the range) and `keel` (the
 * re-range decision of src/pipeline/optimize/rerange.ts: only when the expected extra fees pay for gas and swap
 * cost). See src/backtest/README.md › Uniswap v3 ranges for the fee assumption.
 *
 * Timing: a row stamped T covers [T, T + 1 d) and is known at T + 1 d. The decision at the start of day k sees
 * the rows of day k − 1 and before; the re-range executes at the price at that moment (day k − 1's close); day k's
 * fees use day k's pool APR and whether day k's close is in range.
 */
import { type Dataset, indexAtOrBefore, type PricePoint, type RatePoint } from "../domain/dataset.ts";
import type { RangeLimits } from "../domain/snapshot.ts";
import { decideRerange } from "../pipeline/optimize/rerange.ts";

/** Options of a v3 range replay. */
export interface V3RangeOptions {
  readonly from: number;
  readonly to: number;
  readonly capitalUsd: number;
  /** Width of the range in ticks (2400 ≈ ±12 %). */
  readonly widthTicks: number;
  /**
   * Width (±%) of the range the pool's average liquidity is assumed to sit in: an in-range position earns the
   * pool-wide APR × its concentration over that reference's.
   */
  readonly referenceRangePct: number;
  /** Gas of one re-range (bench: contracts.v3.rerange). */
  readonly rerangeGas: number;
  readonly horizonDays: number;
  readonly hysteresis: number;
}

/** Defaults: $1 M, ±12 % ranges, average liquidity assumed within ±50 %, 737 265 gas per re-range. */
export const V3_RANGE_DEFAULTS: Omit<V3RangeOptions, "from" | "to"> = {
  capitalUsd: 1_000_000,
  widthTicks: 2_400,
  referenceRangePct: 50,
  rerangeGas: 737_265,
  horizonDays: 7,
  hysteresis: 1.5,
};

/** The outcome of one policy on one pool. */
export interface V3RangeResult {
  readonly poolId: string;
  readonly policy: "static" | "always" | "keel";
  readonly days: number;
  /** (final position value + fees − costs) / capital − 1, annualised, %. */
  readonly netAprPct: number;
  readonly feesPct: number;
  /** Change of the position's own value (price moves, IL and the swap costs of re-ranges), % of capital. */
  readonly valueChangePct: number;
  /** Gas and swap cost of the re-ranges, % of capital. */
  readonly costsPct: number;
  readonly reranges: number;
  readonly inRangeDaysPct: number;
}

const DAY = 86_400;
const LOG_TICK = Math.log(1.0001);
const tickOf = (p: number) => Math.log(p) / LOG_TICK;
const priceOf = (tick: number) => 1.0001 ** tick;

/** Value (token1) of one unit of liquidity over [pa, pb] at p. */
function unitValue(p: number, pa: number, pb: number): number {
  const sp = Math.sqrt(Math.min(Math.max(p, pa), pb));
  return (1 / sp - 1 / Math.sqrt(pb)) * p + (sp - Math.sqrt(pa));
}

const conc = (pa: number, pb: number) => 1 / (1 - Math.sqrt(pa / pb));

/** The last price at or before `t`, if at most two days old (a series that stopped is no price). */
function priceAt(series: readonly PricePoint[] | undefined, t: number): number | undefined {
  if (!series) return undefined;
  const i = indexAtOrBefore(series, t);
  return i < 0 || series[i]!.t < t - 2 * DAY ? undefined : series[i]!.priceUsd;
}

/** Annualised volatility (%) of the daily log returns of `closes` (60 % with fewer than three). */
function knownVolPct(closes: readonly number[]): number {
  const r: number[] = [];
  for (let i = 1; i < closes.length; i++) r.push(Math.log(closes[i]! / closes[i - 1]!));
  if (r.length < 2) return 60;
  const m = r.reduce((s, x) => s + x, 0) / r.length;
  const v = r.reduce((s, x) => s + (x - m) ** 2, 0) / (r.length - 1);
  return Math.sqrt(v * 365) * 100;
}

/** The adapter's on-chain range limits the replay respects. */
const LIMITS: Omit<RangeLimits, "lastRerangeAt"> = {
  minWidthTicks: 600,
  maxWidthTicks: 12_000,
  maxCentreOffsetBps: 100,
  minRerangeIntervalSeconds: DAY,
  tickSpacing: 60,
};

type Close = (t: number) => { p: number; usd1: number } | undefined;

/** Day k's close of a pair: token0 in token1, and token1 in USD (undefined without both prices). */
function closeOf(p0: readonly PricePoint[] | undefined, p1: readonly PricePoint[] | undefined): Close {
  return (t) => {
    const a = priceAt(p0, t);
    const b = priceAt(p1, t);
    return a && b ? { p: a / b, usd1: b } : undefined;
  };
}

/**
 * keel's re-range decision on day `t` from what is known then (the last close, the last rate, the last gas price and
 * 30 days of closes), with the gas it would cost in USD.
 */
function rerangeAt(
  pool: {
    data: Dataset;
    rates: readonly RatePoint[];
    eth: readonly PricePoint[] | undefined;
    close: Close;
    feeBps: number;
    refConc: number;
    opts: V3RangeOptions;
  },
  at: {
    range: { lower: number; upper: number };
    lastRerange: number;
    t: number;
    known: { p: number; usd1: number };
    valueUsd: number;
    out: boolean;
  },
) {
  const { data, rates, eth, close, feeBps, refConc, opts } = pool;
  const { range, lastRerange, t, known, valueUsd, out } = at;
  const [pa, pb] = [priceOf(range.lower), priceOf(range.upper)];
  const knownRate = rates[indexAtOrBefore(rates, t - DAY)];
  const gasGwei = data.gas[indexAtOrBefore(data.gas, t - DAY)]?.gwei ?? 20;
  const gasUsd = opts.rerangeGas * gasGwei * 1e-9 * (priceAt(eth, t - DAY) ?? 2_000);
  const d = decideRerange({
    range: {
      tickLower: range.lower,
      tickUpper: range.upper,
      tick: Math.floor(tickOf(known.p)),
      inRange: !out,
      priceLower: pa,
      priceUpper: pb,
      inRangeAprPct: ((knownRate?.aprPct ?? 0) * conc(pa, pb)) / refConc,
    },
    oraclePrice: known.p,
    positionUsd: valueUsd,
    inRangeAprPct: ((knownRate?.aprPct ?? 0) * conc(pa, pb)) / refConc,
    priceVolPct: knownVolPct(
      Array.from({ length: 31 }, (_, i) => close(t - (31 - i) * DAY)?.p).filter((x) => x !== undefined),
    ),
    horizonDays: opts.horizonDays,
    gasUsd,
    swapCostBps: feeBps,
    hysteresis: opts.hysteresis,
    limits: { ...LIMITS, lastRerangeAt: lastRerange },
    now: t,
  });
  return { d, gasUsd };
}

/**
 * Replays one pool under one policy; undefined when the pool lacks rates or token prices at the start or the end of
 * the window (days without them are skipped).
 */
export function replayV3Range(
  data: Dataset,
  poolId: string,
  policy: V3RangeResult["policy"],
  opts: V3RangeOptions,
): V3RangeResult | undefined {
  const pool = data.pools.find((p) => p.poolId === poolId);
  const rates = data.rates.get(poolId);
  if (!pool || !rates || pool.protocol !== "uniswap-v3") return undefined;
  const [s0, s1] = pool.asset.split("/").map((s) => s.toUpperCase()) as [string, string];
  const eth = data.prices.get("ETH") ?? data.prices.get("WETH");
  const close = closeOf(data.prices.get(s0), data.prices.get(s1));
  const feeBps = (pool.feeTierPct ?? 0.3) * 100;
  const refConc = conc(1 / (1 + opts.referenceRangePct / 100), 1 + opts.referenceRangePct / 100);
  const start = close(opts.from - DAY);
  if (!start) return undefined;
  const half = opts.widthTicks / 2;
  const centred = (p: number) => {
    const c = Math.round(tickOf(p) / 60) * 60;
    return { lower: c - half, upper: c + half };
  };
  let range = centred(start.p);
  let liquidity = opts.capitalUsd / start.usd1 / unitValue(start.p, priceOf(range.lower), priceOf(range.upper));
  let [fees, gasPaid, swapPaid, reranges, inDays, days, lastRerange] = [0, 0, 0, 0, 0, 0, 0];
  for (let t = opts.from; t + DAY <= opts.to; t += DAY) {
    const known = close(t - DAY); // the close that ended day k − 1, known now
    const today = close(t);
    const rate = rates[indexAtOrBefore(rates, t)];
    if (!known || !today || !rate || rate.t < t - 2 * DAY) continue;
    const [pa, pb] = [priceOf(range.lower), priceOf(range.upper)];
    const valueUsd = liquidity * unitValue(known.p, pa, pb) * known.usd1;
    const out = known.p < pa || known.p >= pb;
    if (policy !== "static") {
      const { d, gasUsd } = rerangeAt(
        { data, rates, eth, close, feeBps, refConc, opts },
        { range, lastRerange, t, known, valueUsd, out },
      );
      const go = policy === "always" ? out && d.tickLower !== range.lower : d.act;
      if (go) {
        // Gas is paid by the keeper (outside the position); the swap cost comes out of the position.
        gasPaid += gasUsd;
        swapPaid += d.costUsd - gasUsd;
        range = { lower: d.tickLower, upper: d.tickUpper };
        const next = unitValue(known.p, priceOf(range.lower), priceOf(range.upper)) * known.usd1;
        liquidity = (valueUsd - (d.costUsd - gasUsd)) / next;
        reranges++;
        lastRerange = t;
      }
    }
    const [qa, qb] = [priceOf(range.lower), priceOf(range.upper)];
    const inRange = today.p >= qa && today.p < qb;
    days++;
    if (inRange) {
      inDays++;
      const v = liquidity * unitValue(known.p, qa, qb) * known.usd1;
      fees += (v * (rate.aprPct / 100) * (conc(qa, qb) / refConc)) / 365;
    }
  }
  const end = close(opts.to - DAY);
  if (!end || days === 0) return undefined;
  const finalValue = liquidity * unitValue(end.p, priceOf(range.lower), priceOf(range.upper)) * end.usd1;
  const net = (finalValue + fees - gasPaid) / opts.capitalUsd - 1;
  return {
    poolId,
    policy,
    days,
    netAprPct: (net * 365 * 100) / days,
    feesPct: (fees / opts.capitalUsd) * 100,
    valueChangePct: (finalValue / opts.capitalUsd - 1) * 100,
    costsPct: ((gasPaid + swapPaid) / opts.capitalUsd) * 100,
    reranges,
    inRangeDaysPct: (inDays / days) * 100,
  };
}
