import { asOf, type Dataset, type PoolInfo } from "../domain/dataset.ts";
import { KeelError } from "../domain/errors.ts";

const iso = (t: number) => new Date(t * 1000).toISOString();

/** A series the replay cannot do without (gas, the ETH price) has no row fresh enough: it has ended. */
function ended(what: string, t: number, maxAgeSeconds: number, last: number | undefined): KeelError {
  return new KeelError(
    "DATASET_ENDED",
    `no ${what} within ${maxAgeSeconds / 86_400} days before ${iso(t)} (the series ${
      last === undefined ? "has no row" : `ends at ${iso(last)}`
    }): shorten the backtest to the data`,
    { context: { series: what, at: iso(t) } },
  );
}

/**
 * USD prices and gas as a replay sees them. `known` is the dataset stamped with when each row is known
 * (`knownView`): prices are read from it, never after `t`. Gas paid is read from `realised`, the day's
 * average the transaction really paid; the keeper decides on `known` gas. Stablecoins without a price
 * read at $1 (counted); a gas or ETH price series that has ended throws `DATASET_ENDED`.
 */
export class DatasetPrices {
  readonly known: Dataset;
  readonly realised: Dataset;
  readonly stable: ReadonlySet<string>;
  readonly maxAgeSeconds: number;
  /** Symbol → number of look-ups answered with the $1 peg because the dataset had no fresh price. */
  readonly pegReads = new Map<string, number>();
  /** Symbol → look-ups of a swap leg's token answered with a price older than the freshness limit. */
  readonly staleReads = new Map<string, number>();
  private counting = true;

  constructor(known: Dataset, realised: Dataset, stablecoins: readonly string[], maxAgeSeconds: number) {
    this.known = known;
    this.realised = realised;
    this.stable = new Set(stablecoins.map((s) => s.toUpperCase()));
    this.maxAgeSeconds = maxAgeSeconds;
  }

  /** The price row known at `t` (with the time it became known), or undefined when none is fresh. */
  observation(symbol: string, t: number): { t: number; priceUsd: number } | undefined {
    const series = this.known.prices.get(symbol.toUpperCase());
    if (!series || series.length === 0) return undefined;
    const p = asOf(series, t, this.maxAgeSeconds);
    return p && p.priceUsd > 0 ? p : undefined;
  }

  /** USD price of one token at `t`; a stablecoin with no fresh row is $1 (counted); otherwise undefined. */
  token(symbol: string, t: number): number | undefined {
    const obs = this.observation(symbol, t);
    if (obs) return obs.priceUsd;
    const s = symbol.toUpperCase();
    if (this.stable.has(s)) {
      if (this.counting) this.pegReads.set(s, (this.pegReads.get(s) ?? 0) + 1);
      return 1;
    }
    return undefined;
  }

  /** `read()` without counting its peg and stale look-ups (a planner's look-ahead, not the replay's valuation). */
  uncounted<T>(read: () => T): T {
    const was = this.counting;
    this.counting = false;
    try {
      return read();
    } finally {
      this.counting = was;
    }
  }

  /** Whether the dataset has a fresh price of `symbol` at `t` (an oracle a swap could be priced by). */
  fresh(symbol: string, t: number): boolean {
    return this.observation(symbol, t) !== undefined;
  }

  /**
   * USD price of a token held through a swap leg: the fresh price, else the last known one however old
   * (counted in `staleReads`), else — a token with no price row before `t` — the $1 peg of a stablecoin
   * (counted in `pegReads`). Never par while any price is known.
   */
  lastKnown(symbol: string, t: number): number | undefined {
    const obs = this.observation(symbol, t);
    if (obs) return obs.priceUsd;
    const s = symbol.toUpperCase();
    const old = asOf(this.known.prices.get(s) ?? [], t, Number.POSITIVE_INFINITY);
    if (old && old.priceUsd > 0) {
      if (this.counting) this.staleReads.set(s, (this.staleReads.get(s) ?? 0) + 1);
      return old.priceUsd;
    }
    return this.token(s, t);
  }

  /**
   * USD price of one unit of a pool's position: the token's price for single-asset pools, and the
   * geometric mean of both tokens for a 50/50 constant-product LP (its value tracks √(Px·Py)).
   */
  unit(pool: Pick<PoolInfo, "asset" | "kind">, t: number): number | undefined {
    const tokens = pool.asset.split("/");
    if (tokens.length === 1 || pool.kind !== "lp") return this.token(tokens[0] ?? pool.asset, t);
    const [a, b] = tokens.map((s) => this.token(s, t));
    return a !== undefined && b !== undefined ? Math.sqrt(a * b) : undefined;
  }

  /** The last known ETH close at `t`, USD; throws `DATASET_ENDED` when there is none fresh. */
  eth(t: number): number {
    const p = this.observation("ETH", t);
    if (p) return p.priceUsd;
    throw ended("ETH price", t, this.maxAgeSeconds, this.known.prices.get("ETH")?.at(-1)?.t);
  }

  /** The last complete day's average gas price known at `t` (what the keeper sees), gwei. */
  knownGasGwei(t: number): number {
    const g = asOf(this.known.gas, t, this.maxAgeSeconds);
    if (g) return g.gwei;
    throw ended("known gas price", t, this.maxAgeSeconds, this.known.gas.at(-1)?.t);
  }

  /** The average gas price of the day that contains `t` (what a transaction at `t` pays), gwei. */
  paidGasGwei(t: number): number {
    const g = asOf(this.realised.gas, t, this.maxAgeSeconds);
    if (g) return g.gwei;
    throw ended("gas price", t, this.maxAgeSeconds, this.realised.gas.at(-1)?.t);
  }
}
