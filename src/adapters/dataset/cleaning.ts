/**
 * The documented cleaning rules of the dataset reader. Each rule counts the rows it drops or
 * changes under its name in `Dataset.cleaning`; nothing else is dropped or changed.
 *
 * | rule | what it does |
 * |---|---|
 * | `pools.fee_tier_bps` | a `fee_tier_pct` above 1 is read as basis points (30 → 0.30 %) |
 * | `rates.duplicate_timestamp` | a pool's second row at the same timestamp replaces the first |
 * | `rates.warmup` | a pool's leading rows before its TVL first reaches `warmupMinTvlUsd` with a positive APR are dropped (new markets start with near-zero TVL and rates) |
 * | `rates.forward_filled` | a row whose APR, TVL and utilisation all equal the pool's previous row is dropped: it is a forward-filled copy, not an observation, and dropping it lets as-of staleness limits see the gap |
 * | `prices.duplicate_timestamp` | a symbol's second row at the same timestamp replaces the first |
 * | `prices.wrapped_alias` | WETH/WBTC with no rows of their own take ETH/BTC's rows (rows added) |
 * | `gas.duplicate_timestamp` | a second row at the same timestamp replaces the first |
 * | `incidents.multichain_repaired` | a row whose chain list swallowed the loss (`x,"Ethereum,7900000,BSC`) keeps the first chain and the loss; its technique is empty |
 * | `incidents.blank_loss` | an incident with an empty `loss_usd` is kept with a loss of 0 |
 */
import { isForwardFilled, type RatePoint } from "../../domain/dataset.ts";

/** Options of the cleaning rules. */
export interface CleaningOptions {
  /** TVL (USD) a pool must reach before its rows count (end of warm-up). */
  readonly warmupMinTvlUsd: number;
}

export const defaultCleaning: CleaningOptions = { warmupMinTvlUsd: 1_000_000 };

/** Adds `n` to a rule's counter. */
export function count(cleaning: Record<string, number>, rule: string, n = 1): void {
  if (n > 0) cleaning[rule] = (cleaning[rule] ?? 0) + n;
}

/** Sorts by time (stable) and keeps the last of equal timestamps; counts replaced rows under `rule`. */
export function sortDedupe<P extends { t: number }>(points: P[], cleaning: Record<string, number>, rule: string): P[] {
  const sorted = points.map((p, i) => ({ p, i })).sort((a, b) => a.p.t - b.p.t || a.i - b.i);
  const out: P[] = [];
  for (const { p } of sorted) {
    if (out.length > 0 && out[out.length - 1]!.t === p.t) {
      out[out.length - 1] = p;
      count(cleaning, rule);
    } else out.push(p);
  }
  return out;
}

/** Applies the rate rules (duplicates, warm-up, forward-filled copies) to one pool's series. */
export function cleanRates(points: RatePoint[], cleaning: Record<string, number>, opts: CleaningOptions): RatePoint[] {
  const sorted = sortDedupe(points, cleaning, "rates.duplicate_timestamp");
  const start = sorted.findIndex((p) => p.tvlUsd >= opts.warmupMinTvlUsd && p.aprPct > 0);
  const live = start < 0 ? [] : sorted.slice(start);
  count(cleaning, "rates.warmup", sorted.length - live.length);
  const out: RatePoint[] = [];
  let prev: RatePoint | undefined;
  for (const p of live) {
    if (prev && isForwardFilled(prev, p)) {
      count(cleaning, "rates.forward_filled");
    } else out.push(p);
    prev = p;
  }
  return out;
}

/** Repairs an incidents line whose quoted chain list swallowed the loss: `t,name,"CHAIN,LOSS,CHAIN…["]`. */
export function repairIncidentLine(line: string): string[] | undefined {
  const m = /^([^,"]*),([^,"]*),"([^,"]+),(\d+(?:\.\d+)?),([^"]*)"?$/.exec(line);
  if (!m) return undefined;
  return [m[1]!, m[2]!, m[3]!, m[4]!, ""];
}
