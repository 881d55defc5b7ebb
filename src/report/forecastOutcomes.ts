import type { DecisionRecord } from "../domain/decision.ts";
import type { ForecastOutcome, ReportData } from "./model.ts";

/** Chain time of a record in unix seconds (wall clock when it never observed the chain). */
export function timeOf(r: DecisionRecord): number {
  return r.detail.snapshot?.timestamp ?? Math.floor(r.startedAt / 1000);
}

/**
 * Forecast vs realised: each forecast's P10/P50/P90 against the mean of the rates observed after it
 * within its horizon. Linear in the records (records are in time order): per source, running sums of
 * the observed rates, and a moving window.
 */
export function forecastOutcomes(records: readonly DecisionRecord[]): ReportData["forecasts"] {
  const bySource = new Map<string, { horizonDays: number; rows: ForecastOutcome[] }>();
  const observed = records
    .filter((r) => r.detail.rates !== undefined)
    .map((r) => ({ t: timeOf(r), rates: r.detail.rates ?? {} }));
  const lastT = observed.at(-1)?.t ?? 0;
  // sums.get(id)[i] / counts.get(id)[i]: sum and count of the source's rates in observed[0..i).
  const sums = new Map<string, Float64Array>();
  const counts = new Map<string, Uint32Array>();
  const prefix = (id: string) => {
    let sum = sums.get(id);
    let count = counts.get(id);
    if (!sum || !count) {
      sum = new Float64Array(observed.length + 1);
      count = new Uint32Array(observed.length + 1);
      observed.forEach((o, i) => {
        const v = o.rates[id];
        const ok = typeof v === "number";
        sum![i + 1] = sum![i]! + (ok ? v : 0);
        count![i + 1] = count![i]! + (ok ? 1 : 0);
      });
      sums.set(id, sum);
      counts.set(id, count);
    }
    return { sum, count };
  };
  // The window of observations (t, t + horizon]: [lo, hi) indexes, moving forward with the records.
  let lo = 0;
  let hi = 0;
  for (const r of records) {
    const fc = r.detail.forecast;
    if (!fc) continue;
    const t = timeOf(r);
    const end = t + fc.horizonDays * 86_400;
    while (lo < observed.length && observed[lo]!.t <= t) lo++;
    if (hi < lo) hi = lo;
    while (hi < observed.length && observed[hi]!.t <= end) hi++;
    while (hi > lo && observed[hi - 1]!.t > end) hi--; // a shorter horizon than the record before
    for (const sf of Object.values(fc.sources)) {
      const { sum, count } = prefix(sf.sourceId);
      const n = count[hi]! - count[lo]!;
      const entry = bySource.get(sf.sourceId) ?? { horizonDays: fc.horizonDays, rows: [] };
      entry.rows.push({
        t,
        p10: sf.p10,
        p50: sf.p50,
        p90: sf.p90,
        realised: n > 0 ? (sum[hi]! - sum[lo]!) / n : null,
        complete: lastT >= end,
      });
      bySource.set(sf.sourceId, entry);
    }
  }
  return [...bySource.entries()].map(([sourceId, v]) => ({ sourceId, ...v }));
}
