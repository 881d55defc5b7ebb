import type { Dataset, PricePoint, RatePoint } from "../domain/dataset.ts";

const HOUR = 3_600;
const DAY = 86_400;

/**
 * The length of the period a bar summarises: an hour when a neighbouring row is at most an hour away,
 * else a day (the dataset's bars are hourly or daily; a daily series with gaps is still daily).
 */
export function barSeconds(series: readonly { readonly t: number }[], i: number): number {
  const t = series[i]!.t;
  const prev = series[i - 1]?.t;
  const next = series[i + 1]?.t;
  return (prev !== undefined && t - prev <= HOUR) || (next !== undefined && next - t <= HOUR) ? HOUR : DAY;
}

/** A bar series with each row moved to when it becomes known (its stamp + its period), in that order. */
function knownBars<P extends { readonly t: number }>(series: readonly P[]): P[] {
  const moved = series.map((p, i) => ({ ...p, t: p.t + barSeconds(series, i) }));
  const sorted = moved.map((p, i) => ({ p, i })).sort((a, b) => a.p.t - b.p.t || a.i - b.i);
  const out: P[] = [];
  // Two rows known at the same time: the later-stamped one is the newer value.
  for (const { p } of sorted) {
    if (out.length > 0 && out[out.length - 1]!.t === p.t) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

/**
 * The dataset as a replay may read it at time t (`../shared/data/README.md` › when a row becomes known):
 * every row stamped with the time its value is known. Bars stamped at the start of their period — prices
 * (hourly or daily closes), gas (daily averages) and LP fee APR and TVL (daily volume and fees) — move to
 * the end of the period; lending and vault rates are snapshots and incidents are dated as reported, so they
 * stay. Reading this view with `asOf` / `between` cut at t never sees a value from after t, even inside the
 * current bar. (What really happened — the yield that accrues, the gas a transaction pays — is the
 * original dataset.)
 */
export function knownView(data: Dataset): Dataset {
  const lp = new Set(data.pools.filter((p) => p.kind === "lp").map((p) => p.poolId));
  const rates = new Map<string, RatePoint[]>();
  for (const [id, series] of data.rates) rates.set(id, lp.has(id) ? knownBars(series) : series);
  const prices = new Map<string, PricePoint[]>();
  for (const [symbol, series] of data.prices) prices.set(symbol, knownBars(series));
  return { ...data, rates, prices, gas: knownBars(data.gas) };
}
