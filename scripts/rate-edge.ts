// What choosing between two sources can earn over equal weight, before any cost (issue 15 diagnosis): the vault
// holds `cap` of the better source and 1 − idle − cap of the other, against equal's (1 − idle) / 2 each.
// Per window, one JSON line: the edge (APR points) of perfect hourly and daily foresight of the rates, of a causal
// tilt to the source with the better trailing mean (1 h … 90 d, and how often it switches), of a static tilt to
// the first source, and what foreseeing the daily closes of the second source's token against the first's is worth
// to the same tilt (cap − equal's weight of the source whose token gains).
// Rates hold from their row until the next (the reader drops forward-filled rows); a close is known when its day ends,
// but the foresight figures use it as a perfect-foresight bound would.
// Usage: node scripts/rate-edge.ts [--data DIR] [--a aave-v3-usdc] [--b aave-v3-usdt] [--from D] [--to D]
import { parseArgs } from "node:util";
import { readDataset } from "../src/adapters/dataset/reader.ts";
import type { RatePoint } from "../src/domain/dataset.ts";

const { values } = parseArgs({
  options: {
    data: { type: "string", default: "../shared/data/keel-train" },
    a: { type: "string", default: "aave-v3-usdc" },
    b: { type: "string", default: "aave-v3-usdt" },
    from: { type: "string", default: "2023-07-01" },
    to: { type: "string", default: "2025-01-01" },
    cap: { type: "string", default: "0.6" },
    idle: { type: "string", default: "0.02" },
  },
});
const HOUR = 3_600;
const DAY = 86_400;
const seconds = (d: string) => Date.parse(`${d}T00:00:00Z`) / 1000;
const data = await readDataset(values.data);
const cap = Number(values.cap);
const rest = 1 - Number(values.idle) - cap;
const half = (1 - Number(values.idle)) / 2;
const from = seconds(values.from);
const to = seconds(values.to);

/** The rate in force at each hour of [from, to) (the last row at or before it). */
function hourly(series: readonly RatePoint[]): number[] {
  const out: number[] = [];
  let k = 0;
  for (let t = from - 90 * DAY; t < to; t += HOUR) {
    while (k + 1 < series.length && series[k + 1]!.t <= t) k++;
    out.push(series[k] && series[k]!.t <= t ? series[k]!.aprPct : Number.NaN);
  }
  return out;
}
const lead = 90 * 24;
const ra = hourly(data.rates.get(values.a) ?? []);
const rb = hourly(data.rates.get(values.b) ?? []);
const hours = ra.length - lead;
/** Mean of the known values (an hour before a market's first row has none). */
const mean = (xs: number[]) => {
  const known = xs.filter((x) => !Number.isNaN(x));
  return known.reduce((s, x) => s + x, 0) / known.length;
};
const tilt = (aBetter: boolean, x: number, y: number) => (aBetter ? cap * x + rest * y : cap * y + rest * x);
const round = (x: number) => Math.round(x * 1000) / 1000;

const equal = mean(ra.slice(lead).map((x, h) => half * (x + rb[lead + h]!)));
// An hour where either market has no rate yet counts in no mean (NaN is dropped).
const foresight = mean(ra.slice(lead).map((x, h) => tilt(x >= rb[lead + h]!, x, rb[lead + h]!))) - equal;
const daily: number[] = [];
for (let d = 0; d + 24 <= hours; d += 24) {
  const x = mean(ra.slice(lead + d, lead + d + 24));
  const y = mean(rb.slice(lead + d, lead + d + 24));
  daily.push(tilt(x >= y, x, y) - half * (x + y));
}
const open = ra.slice(lead).filter((x, h) => !Number.isNaN(x + rb[lead + h]!)).length;
const causal = [1, 24, 168, 720, 2160].map((w) => {
  let sum = 0;
  let switches = 0;
  let prev: boolean | undefined;
  for (let h = lead; h < ra.length; h++) {
    const aBetter = !(mean(rb.slice(h - w, h)) > mean(ra.slice(h - w, h)));
    if (Number.isNaN(ra[h]! + rb[h]!)) continue;
    if (prev !== undefined && aBetter !== prev) switches++;
    prev = aBetter;
    sum += tilt(aBetter, ra[h]!, rb[h]!);
  }
  return { windowHours: w, edgePct: round(sum / open - equal), switches };
});
const staticA = mean(ra.slice(lead).map((x, h) => tilt(true, x, rb[lead + h]!))) - equal;

// The second source's token against the first's, daily closes: what a (cap − rest) swing foreseen each day earns.
const tokenA = data.pools.find((p) => p.poolId === values.a)?.asset ?? "";
const tokenB = data.pools.find((p) => p.poolId === values.b)?.asset ?? "";
const close = (sym: string, t: number) => data.prices.get(sym)?.find((p) => p.t === t)?.priceUsd;
const moves: number[] = [];
for (let t = from + DAY; t < to; t += DAY) {
  const [a0, a1, b0, b1] = [close(tokenA, t - DAY), close(tokenA, t), close(tokenB, t - DAY), close(tokenB, t)];
  if (a0 && a1 && b0 && b1) moves.push(b1 / a1 / (b0 / a0) - 1);
}
const years = (to - from) / (365 * DAY);
process.stdout.write(
  `${JSON.stringify({
    window: [values.from, values.to],
    sources: [values.a, values.b],
    meanPct: [round(mean(ra.slice(lead))), round(mean(rb.slice(lead)))],
    equalPct: round(equal),
    hourlyForesightEdgePct: round(foresight),
    dailyForesightEdgePct: round(mean(daily)),
    causalTrailingTilt: causal,
    staticTiltToFirstEdgePct: round(staticA),
    closes: {
      days: moves.length,
      driftPct: round(100 * moves.reduce((s, x) => s + x, 0)),
      meanAbsDailyBp: round(1e4 * mean(moves.map(Math.abs))),
      foresightEdgePctPerYear: round((100 * (cap - half) * moves.reduce((s, x) => s + Math.abs(x), 0)) / years),
    },
  })}\n`,
);
